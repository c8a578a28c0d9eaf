import HTTPTypes
import Hummingbird
import Synchronization

/// Every route's path and method, so that a request for a known path with another method is
/// answered 405 with `Allow` (as HTTP and the OpenAPI contract say) rather than 404.
///
/// Hummingbird's router answers both cases with its not-found responder; the table is filled
/// from `Router.routes` once every route is added (the middleware that reads it is added first).
///
/// HEAD is answered wherever GET is (`RouterOptions.autoGenerateHeadEndpoints`: the GET handler
/// runs, its status and headers are sent, its body is not), as load balancers and link checkers
/// expect; the handlers whose GET uses something up (an export records itself, a hand-off link
/// opens once) answer a HEAD without doing so. The table lists HEAD beside GET accordingly.
final class RouteTable: Sendable {
    private let routes = Mutex<[(path: RouterPath, method: HTTPRequest.Method)]>([])

    func fill(from router: Router<some RequestContext>) {
        let described = router.routes.flatMap { route -> [(path: RouterPath, method: HTTPRequest.Method)] in
            guard route.method == .get else { return [(route.path, route.method)] }
            return [(route.path, .get), (route.path, .head)]
        }
        routes.withLock { $0 = described }
    }

    /// The methods routes take at `path`; empty for an unknown path.
    func methods(at path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLock { routes in
            routes.filter { route in
                route.path.components.count == segments.count
                    && zip(route.path.components, segments).allSatisfy { element, segment in element ~= segment }
            }.map(\.method)
        }
    }
}
