import ServiceLifecycle

/// Runs `round` now and then every `interval`, until a graceful shutdown or cancellation: the
/// loop of the workers that do their work in rounds (checkpoints, retention).
///
/// It stops at once on graceful shutdown — a round cut short is done again at the next start —
/// and returns rather than throws then: a service that throws makes the service group cancel
/// the others, the HTTP server's requests in flight included.
func repeatUntilShutdown(every interval: Duration, _ round: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            await round()
            try? await Task.sleep(for: interval)
        }
    }
}
