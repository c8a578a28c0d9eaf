/// The platform hands a viewer to their organization's audit log: its backend asks for a link
/// (platform key), the viewer's browser opens it once, and a session starts for that viewer as an
/// admin of that organization only. Opening is recorded (`AuditLogViewerSessionStarted`).
public struct HandOffService: Sendable {
    private let store: any AuditLogStore
    public let now: @Sendable () -> Timestamp
    /// How long a link lives when the platform does not say.
    public static let defaultLinkSeconds = 60
    /// How long a link may live at most.
    public static let maximumLinkSeconds = 300

    public init(store: any AuditLogStore, now: @escaping @Sendable () -> Timestamp = { .now }) {
        self.store = store
        self.now = now
    }

    /// A new link's token for `viewer` of the organization, valid `seconds` (1 to 300), and
    /// when it expires. Only the token's hash is kept.
    public func createLink(
        organizationID: String,
        viewer: Viewer,
        returnURL: String?,
        seconds: Int,
        platformKeyID: String
    ) async throws -> (token: String, expiresAt: Timestamp) {
        var errors: [FieldError] = []
        if !ProvisionedMember.isValidExternalID(viewer.id) {
            errors.append(FieldError(field: "viewer.id", message: ProvisionedMember.externalIDRequirement))
        }
        if !Member.isValidName(viewer.name) { errors.append(FieldError(field: "viewer.name", message: "must be 1 to 256 characters")) }
        if !EmailAddress.isPlausible(viewer.email) {
            errors.append(FieldError(field: "viewer.email", message: "must be \(EmailAddress.requirement)"))
        }
        if let returnURL, !Self.isAcceptableReturnURL(returnURL) {
            errors.append(
                FieldError(field: "return_url", message: "must be an https URL (or http on a loopback host) of at most 2048 bytes"))
        }
        if !(1...Self.maximumLinkSeconds).contains(seconds) {
            errors.append(FieldError(field: "expires_in", message: "must be a whole number of seconds from 1 to \(Self.maximumLinkSeconds)"))
        }
        guard errors.isEmpty else { throw AuditLogError.invalid("The hand-off has invalid fields.", details: errors) }
        _ = try await store.existingOrganization(organizationID)
        let time = now()
        let token = Secret.generate(.viewerLink)
        let expiresAt = time.adding(milliseconds: Int64(seconds) * 1_000)
        try await store.createViewerLink(
            ViewerLink(
                id: Secret.identifier(prefix: "vl"), organizationID: organizationID, viewer: viewer, returnURL: returnURL,
                platformKeyID: platformKeyID, createdAt: time, expiresAt: expiresAt),
            tokenHash: Secret.hash(token))
        return (token, expiresAt)
    }

    /// Opens a link: a live one starts a session (its secret, for the cookie) and is recorded;
    /// any other says why not.
    public func open(
        token: String,
        sessionSeconds: Int64,
        context: EventContext
    ) async throws -> (opening: ViewerLinkOpening, session: String?) {
        guard token.utf8HasPrefix(Secret.Kind.viewerLink.rawValue + "_"), token.utf8.count <= 128 else { return (.unknown, nil) }
        let time = now()
        let session = Secret.generate(.viewerSession)
        let opening = try await store.openViewerLink(
            tokenHash: Secret.hash(token), now: time, sessionID: Secret.identifier(prefix: "vs"), sessionHash: Secret.hash(session),
            sessionExpiresAt: time.adding(milliseconds: sessionSeconds * 1_000))
        guard case .started(let organizationID, let access) = opening else { return (opening, nil) }
        var metadata: [String: JSONValue] = ["viewer_id": .string(access.member.id)]
        if let label = access.returnLink?.label { metadata["platform"] = .string(label) }
        let event = NewEvent(
            action: ActionCatalog.auditLogViewerSessionStarted, occurredAt: time, actor: access.member.actor, context: context,
            metadata: metadata)
        do {
            _ = try await store.append([event], organizationID: organizationID, receivedAt: time)
        } catch {
            // A session nobody could see starting must not work.
            try? await store.deleteViewerSession(tokenHash: Secret.hash(session))
            throw error
        }
        return (opening, session)
    }

    /// What opening the link would come to, without opening it: nothing is used up or recorded.
    public func state(ofLink token: String) async throws -> ViewerLinkState {
        guard token.utf8HasPrefix(Secret.Kind.viewerLink.rawValue + "_"), token.utf8.count <= 128 else { return .unknown }
        return try await store.viewerLinkState(tokenHash: Secret.hash(token), now: now())
    }

    /// Ends the viewer's sessions in the organization and revokes their unopened links; how many
    /// sessions ended.
    public func endSessions(organizationID: String, viewerID: String) async throws -> Int {
        _ = try await store.existingOrganization(organizationID)
        return try await store.endViewerSessions(organizationID: organizationID, viewerID: viewerID, at: now())
    }

    /// https, or http on a loopback host (a platform developing on its own machine); a host, no
    /// user or password, printable ASCII only, at most 2048 bytes.
    public static func isAcceptableReturnURL(_ text: String) -> Bool {
        guard (1...2_048).contains(text.utf8.count), text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return false }
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            rest = lowered.dropFirst("https://".count)
        } else if lowered.hasPrefix("http://") {
            rest = lowered.dropFirst("http://".count)
            let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let name = host.hasPrefix("[") ? host.prefix { $0 != "]" } + "]" : host.prefix { $0 != ":" }
            guard ["localhost", "127.0.0.1", "[::1]"].contains(String(name)) else { return false }
        } else {
            return false
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !authority.isEmpty && !authority.contains("@") && !authority.contains("\\")
    }
}
