/// Turns members' passwords into stored hashes and checks them; the service's is bcrypt
/// (`BcryptPasswordHasher`, in AuditLogPasswords), kept out of the domain so that what links
/// the domain, the client library included, links no hasher.
public protocol PasswordHashing: Sendable {
    /// A hash to store in place of `password`.
    func hash(_ password: String) async throws -> String

    /// Whether `password` is the one `hash` was made from. With no hash (an unknown email, a
    /// member without a password) it answers false after the time a real check takes, so that
    /// timing does not tell which emails exist.
    func verify(_ password: String, against hash: String?) async throws -> Bool
}

/// What a new password must be.
public enum PasswordPolicy {
    /// What is wrong with a new password, or nil when it is acceptable.
    public static func problem(with password: String) -> String? {
        if password.count < 10 { return "must be at least 10 characters" }
        if password.utf8.count > 72 { return "may be at most 72 bytes (bcrypt reads no further)" }
        return nil
    }
}
