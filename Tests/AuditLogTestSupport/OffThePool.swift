import Foundation

/// Runs `work` on a thread of its own and returns what it returns (or throws).
///
/// Swift concurrency runs every test on a few threads (two, on a two-core machine). Synchronous
/// work there — opening and migrating a SQLite file, a walk over all of Unicode, waiting for a
/// process — holds every other test's timers and tasks meanwhile: hundreds of tests that each
/// open a store at once kept a 200 ms timer waiting 40 s, and PostgreSQL's 10 s reachability
/// check failing.
public func offThePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
