import Synchronization

/// `withDeadline` gave up waiting: the deadline passed.
public struct DeadlinePassed: Error {
    public init() {}
}

/// `withDeadline` gave up waiting: what the operation needs is gone (its connection closed).
public struct Abandoned: Error {
    public init() {}
}

/// The answer of `operation`; or `DeadlinePassed` once `limit` has passed without one; or
/// `Abandoned` as soon as `abandonWhen` holds (checked every 50 ms) without one.
///
/// The operation runs in a task of its own; when given up, it is left behind rather than
/// waited for (a query PostgresNIO dropped never ends).
public func withDeadline<Value: Sendable>(
    _ limit: Duration,
    abandonWhen: @escaping @Sendable () -> Bool = { false },
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let answer = OneAnswer<Value>()
    return try await withCheckedThrowingContinuation { continuation in
        answer.set(continuation)
        let timer = Task {
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: limit)
            while clock.now < end {
                try await Task.sleep(for: min(.milliseconds(50), end - clock.now))
                if abandonWhen() {
                    answer.resume(with: .failure(Abandoned()))
                    return
                }
            }
            answer.resume(with: .failure(DeadlinePassed()))
        }
        Task {
            let result: Result<Value, any Error>
            do {
                result = .success(try await operation())
            } catch {
                result = .failure(error)
            }
            timer.cancel()
            answer.resume(with: result)
        }
    }
}

/// A continuation resumed once, by whichever of its resumers comes first.
private final class OneAnswer<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(with result: Result<Value, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}
