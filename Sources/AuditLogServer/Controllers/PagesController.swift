import AuditLogCore
import Foundation
import HTTPTypes
import Hummingbird

/// The web page: sign-in at `/`, the Audit Logs page of an organization, and the files they
/// load. Pages are for people, so their errors are pages too (a 403 that says who may look,
/// a 404), and a visitor without a session is sent to sign in and brought back after.
struct PagesController: Sendable {
    let administration: AdministrationService
    let retention: RetentionService
    let authenticator: Authenticator
    let configuration: ServerConfiguration
    let templates: PageTemplates
    let assets: WebAssets
    let handOff: HandOffService

    /// A hand-off link's GET uses it up, which a HEAD (a link checker's, a chat's preview) must not.
    static let handOffPath: RouterPath = "hand-off/:token"

    var endpoints: RouteCollection<AppRequestContext> {
        RouteCollection(context: AppRequestContext.self)
            .get("", use: signIn)
            .get("organizations/:organization/audit-logs", use: auditLogs)
            .get("organizations/:organization/audit-logs/events/:event", use: auditLogs)
            .get("assets/:name", use: asset)
            .get(Self.handOffPath, use: openHandOff)
    }

    /// A hand-off link, opened once: a session starts for the viewer (an admin of that
    /// organization only), and the browser goes on to the page with the token gone from the
    /// address (303; no referrer leaves it either). Any other opening gets a page that says why.
    ///
    /// A HEAD (a link checker, a mail scanner) is told the same status without the link being
    /// used up: no session, no cookie, nothing recorded.
    @Sendable func openHandOff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let state: ViewerLinkState
        var session: String?
        if request.method == .head {
            state = try await handOff.state(ofLink: token)
        } else {
            let opened = try await handOff.open(
                token: token, sessionSeconds: configuration.sessionLifetimeSeconds, context: request.origin(context: context))
            (state, session) = (opened.opening.state, opened.session)
        }
        let refused: (status: HTTPResponse.Status, title: String, message: String)
        switch state {
        case .openable(let organizationID):
            var response = Response.redirect(to: "/organizations/\(organizationID)/audit-logs", type: .normal)
            if let session {
                response.headers.append(
                    HTTPField(
                        name: .setCookie,
                        value: Authenticator.handOffCookie(
                            session, maxAge: Int(configuration.sessionLifetimeSeconds), configuration: configuration)))
            }
            return response
        case .used:
            refused = (.gone, "This link was already used", "A hand-off link opens the audit log once. Open Audit Logs from the platform again.")
        case .expired:
            refused = (.gone, "This link has expired", "A hand-off link works for a few minutes only. Open Audit Logs from the platform again.")
        case .revoked:
            refused = (.gone, "This link was revoked", "The platform ended this viewer's access before the link was opened.")
        case .unknown:
            refused = (.notFound, "This link is not valid", "Check that the whole link was copied, or open Audit Logs from the platform again.")
        }
        return try html(refused.status, "message", ["title": refused.title, "message": refused.message])
    }

    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let next = Self.safeNext(request.queryValues("next").first)
        if let access = try? await authenticator.memberAccess(of: request) {
            let member = access.member
            if let next { return .redirect(to: next, type: .found) }
            if let landing = access.landing {
                return .redirect(to: "/organizations/\(landing.id)/audit-logs", type: .found)
            }
            return try html(
                .ok, "message",
                [
                    "title": "No organization yet",
                    "message": "\(member.email) is not a member of any organization. Ask an organization admin to add you.",
                    "signedIn": true,
                ])
        }
        return try html(.ok, "sign-in", ["next": next ?? ""])
    }

    /// The Audit Logs page; under `…/events/{id}`, the page shows that event expanded (its
    /// script reads the id from the path and asks the API, which answers only an admin too).
    @Sendable func auditLogs(_ request: Request, context: AppRequestContext) async throws -> Response {
        let organizationID = try context.parameters.require("organization")
        guard let access = try? await authenticator.memberAccess(of: request) else {
            let here = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
            let encoded = here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
            return .redirect(to: "/?next=\(encoded)", type: .found)
        }
        let member = access.member
        let memberships = access.memberships
        let organization: Organization
        switch access.decision(for: organizationID) {
        case .admin(let admin):
            organization = admin
        case .notMember:
            return try html(
                .notFound, "message",
                [
                    "title": "Organization not found",
                    "message": "There is no organization \(organizationID) that \(member.email) belongs to.",
                    "signedIn": true, "organizations": switcher(memberships, current: nil), "hasOrganizations": !memberships.isEmpty,
                    "switcherLabel": "Your organizations",
                ])
        case .notAdmin(let other):
            let name = other.name
            return try html(
                .forbidden, "message",
                [
                    "title": "Only organization admins can view audit logs",
                    "message": "\(member.email) is a member of \(name), not an admin. Ask an admin of the organization if you need its audit logs.",
                    "signedIn": true, "organizations": switcher(memberships, current: organizationID), "hasOrganizations": true,
                    "switcherLabel": name,
                ])
        }
        var page: [String: Any] = [
            "organization": ["id": organization.id, "name": organization.name],
            "member": ["name": member.name, "email": member.email],
            "organizations": switcher(memberships, current: organizationID),
            "hasOrganizations": true, "signedIn": true, "switcherLabel": organization.name,
        ]
        if let back = access.returnLink { page["returnLink"] = ["url": back.url, "label": back.label] }
        page["ssoURL"] = configuration.ssoURL.map { Self.link($0, organizationID: organizationID) }
        page["modelConfigurationURL"] = configuration.modelConfigurationURL.map { Self.link($0, organizationID: organizationID) }
        // The date selector offers no day the retention policy has purged.
        page["retentionDays"] = try await retention.state(organizationID: organizationID).days
        return try html(.ok, "audit-logs", page)
    }

    @Sendable func asset(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let asset = assets.assets[try context.parameters.require("name")] else { throw HTTPError(.notFound) }
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: [.eTag: asset.etag, .cacheControl: "no-cache"])
        }
        return Response(
            status: .ok, headers: [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache"],
            body: .init(byteBuffer: asset.bytes))
    }

    private func html(_ status: HTTPResponse.Status, _ template: String, _ context: [String: Any]) throws -> Response {
        let body = try templates.render(template, context)
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func switcher(_ memberships: [Membership], current: String?) -> [[String: Any]] {
        memberships.map {
            [
                "id": $0.organization.id, "name": $0.organization.name, "href": "/organizations/\($0.organization.id)/audit-logs",
                "selected": $0.organization.id == current, "isAdmin": $0.role == .admin,
            ]
        }
    }

    /// An operator's link with `{organization}` filled in.
    static func link(_ template: String, organizationID: String) -> String {
        template.replacingOccurrences(of: "{organization}", with: organizationID)
    }

    /// `next` only when it is an Audit Logs page of this site, `/organizations/<id>/audit-logs`
    /// with an optional query of plain ASCII; anything else is dropped (sign-in then lands on
    /// the member's own organization).
    ///
    /// An allowlist checked byte by byte: comparing `Character`s let `//` + U+FE0F + `evil.test`
    /// through as "not starting with //", and browsers drop U+FE0F from host names.
    static func safeNext(_ next: String?) -> String? {
        guard let next else { return nil }
        let bytes = Array(next.utf8)
        guard bytes.count <= maximumNextBytes else { return nil }
        let question = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let path = bytes[..<question]
        let query = bytes[question...].dropFirst()
        let prefix = Array("/organizations/".utf8)
        let suffix = Array("/audit-logs".utf8)
        guard path.starts(with: prefix), path.reversed().starts(with: suffix.reversed()),
            path.count > prefix.count + suffix.count
        else { return nil }
        let slug = path.dropFirst(prefix.count).dropLast(suffix.count)
        guard Organization.isValidID(String(decoding: slug, as: UTF8.self)), slug.allSatisfy({ $0 < 0x80 }),
            query.allSatisfy(isQueryByte)
        else { return nil }
        return next
    }

    static let maximumNextBytes = 2_048

    /// Letters, digits and the punctuation a view's query uses (`action=A&from=2026-…T00:00:00.000Z`,
    /// percent-encoded values); no `/`, `\`, quotes, angle brackets, spaces or controls.
    private static func isQueryByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ":"):
            true
        default:
            false
        }
    }
}
