import HTTPTypes
import Hummingbird

/// Answers 405 with `Allow` when the path is a route's but the method is not one it takes
/// (`TRACE /health`, `DELETE /api/v1/events`); every other not-found passes through.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(at: request.uri.path)
            guard !allowed.isEmpty, !allowed.contains(request.method) else { throw error }
            throw Self.notAllowed(allowed)
        }
    }

    private static func notAllowed(_ allowed: [HTTPRequest.Method]) -> HTTPError {
        HTTPError(.methodNotAllowed, headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
    }
}
