import AuditLogClient
import AuditLogCore
import Foundation
import Logging
import ServiceLifecycle

/// Sending through AuditLogClient, as a platform does: what one client process gets through
/// to one server, and what its buffer holds when full.
enum ClientWorkload {
    /// Records `count` events from 4 tasks at once through one client and times it from the
    /// first `record` to the last acknowledgement (the client's graceful shutdown, which
    /// returns once every batch is stored).
    static func eventsPerSecond(port: Int, key: String, count: Int) async throws -> Double {
        var configuration = AuditLogClientConfiguration(baseURL: "http://127.0.0.1:\(port)", ingestKey: key)
        configuration.whenFull = .wait
        let client = AuditLogClient(configuration: configuration, logger: Logger(label: "bench-client"))
        let group = ServiceGroup(services: [client], logger: Logger(label: "bench-client"))
        let sender = Task { try await group.run() }
        let (_, elapsed) = try await measure {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for task in 0..<4 {
                    tasks.addTask {
                        for index in stride(from: task, to: count, by: 4) { try await client.record(event(index)) }
                    }
                }
                try await tasks.waitForAll()
            }
            await group.triggerGracefulShutdown()
            try await sender.value
        }
        let unsent = await client.pending
        guard unsent == 0 else {
            throw Load.UnexpectedAnswer(path: "/api/v1/events", status: 0, body: "the client stopped with \(unsent) events unsent")
        }
        return Double(count) / elapsed.seconds
    }

    /// What a full buffer of `capacity` events holds, per event (`pendingBytes`: each event's
    /// JSON and id and its entry): a client that does not run (nothing is sent) is filled.
    /// (The process's resident size read 0 here: the bench's earlier workloads had freed more
    /// than this, and the buffer reused those pages.)
    static func bufferBytesPerEvent(capacity: Int) async throws -> Double {
        var configuration = AuditLogClientConfiguration(baseURL: "http://127.0.0.1:9", ingestKey: "alk_unused")
        configuration.bufferCapacity = capacity
        configuration.whenFull = .drop
        let client = AuditLogClient(configuration: configuration, logger: Logger(label: "bench-client"))
        for index in 0..<capacity { try await client.record(event(index)) }
        guard await client.pending == capacity else {
            throw Load.UnexpectedAnswer(path: "AuditLogClient", status: 0, body: "the buffer did not fill")
        }
        return Double(await client.pendingBytes) / Double(capacity)
    }

    /// An event like the dataset's (about 300 bytes of JSON).
    static func event(_ index: Int) -> NewEvent {
        NewEvent(
            action: "UserLogin", occurredAt: .now,
            actor: Actor(id: "user_\(index % 5_000)", type: .user, name: "Person \(index % 5_000)", email: "person\(index % 5_000)@bench.test"),
            workspace: WorkspaceReference(id: "ws_\(index % 50)", name: "Workspace \(index % 50)"),
            targets: [EventTarget(type: "asset", id: "asset_\(index % 1_000)", name: "Asset \(index % 1_000)")],
            context: EventContext(ipAddress: "203.0.113.1", userAgent: "Mozilla/5.0 (bench)"), metadata: ["source": .string("bench")])
    }

}
