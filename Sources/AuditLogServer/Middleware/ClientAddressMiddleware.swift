import HTTPTypes
import Hummingbird

/// Puts the client's address into the context: behind a trusted proxy, the one the proxies
/// passed on in `Forwarded` or `X-Forwarded-For` (`ClientAddressResolver`). Installed only when
/// the operator names trusted proxies; otherwise the peer's address stands.
struct ClientAddressMiddleware: RouterMiddleware {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwarded = HTTPField.Name("Forwarded")!

    let resolver: ClientAddressResolver

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.clientAddress = resolver.clientAddress(
            peer: context.remoteAddress?.ipAddress,
            forwarded: request.headers[values: Self.forwarded],
            xForwardedFor: request.headers[values: Self.xForwardedFor])
        return try await next(request, context)
    }
}
