import HTTPTypes
import Hummingbird

/// Headers every response carries: a strict Content-Security-Policy (the page loads nothing but
/// its own files), no MIME sniffing, no framing but by the origins `serve --frame-ancestor`
/// allows, no referrer, and no caching of API answers, which hold audit data.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Valid origins only (`ServerConfiguration.isFrameAncestor`); empty: no framing at all.
    let frameAncestors: [String]

    init(frameAncestors: [String] = []) {
        self.frameAncestors = frameAncestors
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let ancestors = frameAncestors.isEmpty ? "'none'" : frameAncestors.joined(separator: " ")
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors \(ancestors)"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        // X-Frame-Options cannot name origins; browsers that know frame-ancestors follow it.
        if frameAncestors.isEmpty { response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY" }
        if response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}
