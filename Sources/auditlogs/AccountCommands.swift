public import ArgumentParser
public import AuditLogCore
import Foundation

struct OrgCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org", abstract: "Manage organizations.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "Its id: lowercase letters, digits, - and _, at most 64.") var id: String
        @Option(help: "Its display name.") var name: String

        func validate() throws {
            guard Organization.isValidID(id) else {
                throw ValidationError("--id must be 1 to 64 lowercase letters, digits, - or _, starting with a letter or digit.")
            }
            guard Organization.isValidName(name) else { throw ValidationError("--name must be 1 to 256 characters.") }
        }

        func run() async throws {
            _ = try await database.withAdministration { administration in
                try await administration.createOrganization(id: id, name: name)
            }
            say("Created organization \(id) (\(name)).")
        }
    }
}

struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Manage members.", subcommands: [Add.self, Password.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a member with a role in an organization; an email that is taken is an error.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "The member's email.") var email: String
        @Option(help: "The member's name.") var name: String
        @Option(help: "admin (reads audit logs) or member.") var role: Role
        /// At least 10 characters, kept only as a bcrypt hash.
        @OptionGroup var password: PasswordOptions

        func validate() throws {
            guard EmailAddress.isPlausible(email) else { throw ValidationError("--email must be \(EmailAddress.requirement).") }
            guard Member.isValidName(name) else { throw ValidationError("--name must be 1 to 256 characters.") }
        }

        func run() async throws {
            let password = try password.read()
            let member = try await database.withAdministration { administration in
                do {
                    return try await administration.addMember(
                        email: email, name: name, password: password, role: role, organizationID: org)
                } catch let error as AuditLogError where error.kind == .conflict {
                    throw CommandFailure("\(email.lowercased()) is a member already; `auditlogs member password` changes a password.")
                } catch let error as AuditLogError where error.kind == .notFound {
                    throw CommandFailure("There is no organization \(org); create it with `auditlogs org create`.")
                }
            }
            say("\(member.email) is now \(role == .admin ? "an admin" : "a member") of \(org) (member id \(member.id)).")
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a member's password; every session of theirs ends (personal tokens stay: see `token revoke`).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String
        /// The new password, at least 10 characters.
        @OptionGroup var password: PasswordOptions

        func run() async throws {
            let password = try password.read()
            let (member, ended) = try await database.withAdministration { administration in
                try await knownMember(email) { try await administration.setPassword(email: email, password: password) }
            }
            say("The password of \(member.email) is changed; \(ended) session\(ended == 1 ? "" : "s") ended.")
        }
    }
}

extension Role: ExpressibleByArgument {}
extension KeyScope: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage an organization's keys: ingest keys and read keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key for an organization; prints the secret once, on the last line.",
            discussion: """
                An ingest key (alk_…) sends events and nothing else. A read key (alr_…) reads the \
                organization's audit logs, exports and feed, and nothing else: for SIEM jobs and scripts.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "ingest: sends events; read: reads audit logs, exports and the feed.") var scope: KeyScope = .ingest

        func run() async throws {
            let (id, secret) = try await database.withAdministration { administration in
                try await knownOrganization(org) { try await administration.createAPIKey(organizationID: org, scope: scope) }
            }
            switch scope {
            case .ingest: say("Ingest key \(id) for \(org). It writes events only; store it now, it is not shown again:")
            case .read: say("Read key \(id) for \(org). It reads audit logs, exports and the feed only; store it now, it is not shown again:")
            }
            say(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's keys: id, kind (ingest or read), creation, last use (to the minute), revocation. Never secrets.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String

        func run() async throws {
            let keys = try await database.withAdministration { administration in
                try await knownOrganization(org) { try await administration.apiKeys(organizationID: org) }
            }
            printCredentials(keys, empty: "\(org) has no keys.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key, ingest or read: requests with it are refused from now on (401).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "The key's id, as `key list` shows it (key_…).") var id: String

        func run() async throws {
            try await database.withAdministration { administration in
                _ = try await knownOrganization(org) { try await administration.organization(id: org) }
                do {
                    try await administration.revokeAPIKey(id: id, organizationID: org)
                } catch let error as AuditLogError where error.kind == .notFound {
                    throw CommandFailure("\(org) has no live ingest key \(id); `auditlogs key list --org \(org)` lists them.")
                }
            }
            say("Ingest key \(id) of \(org) is revoked.")
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage personal tokens and sessions.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a personal token for a member's scripts; prints it once, on the last line.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String

        func run() async throws {
            let (member, secret) = try await database.withAdministration { administration in
                try await knownMember(email) { try await administration.createPersonalToken(email: email) }
            }
            say("Personal token for \(member.email). It reads what \(member.name) may read; store it now, it is not shown again:")
            say(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a member's personal tokens and live sessions: id, creation, last use, revocation. Never secrets.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String

        func run() async throws {
            let (member, tokens) = try await database.withAdministration { administration in
                try await knownMember(email) { try await administration.memberTokens(email: email) }
            }
            printCredentials(tokens, empty: "\(member.email) has no tokens.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a member's personal token or session: it is refused from now on (401).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String
        @Option(help: "The token's id, as `token list` shows it (tok_… or ses_…).") var id: String

        func run() async throws {
            let member = try await database.withAdministration { administration in
                let member = try await knownMember(email) { try await administration.member(email: email) }
                do {
                    return try await administration.revokeMemberToken(id: id, email: email)
                } catch let error as AuditLogError where error.kind == .notFound {
                    throw CommandFailure("\(member.email) has no live token \(id); `auditlogs token list --email \(member.email)` lists them.")
                }
            }
            say("Token \(id) of \(member.email) is revoked.")
        }
    }
}

/// Runs `body`, telling how to create the organization when it does not exist.
func knownOrganization<Result>(_ id: String, _ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as AuditLogError where error.kind == .notFound {
        throw CommandFailure("There is no organization \(id); create it with `auditlogs org create`.")
    }
}

/// Runs `body`, telling how to add the member when there is no member with this email.
private func knownMember<Result>(_ email: String, _ body: () async throws -> Result) async throws -> Result {
    do {
        return try await body()
    } catch let error as AuditLogError where error.kind == .notFound {
        throw CommandFailure("There is no member \(email); add them with `auditlogs member add`.")
    }
}

/// One line per credential, columns aligned: id, kind, owner, created, last used, state.
func printCredentials(_ records: [CredentialRecord], empty: String) {
    guard !records.isEmpty else {
        say(empty)
        return
    }
    let rows =
        [["ID", "KIND", "FOR", "CREATED", "LAST USED", "STATE"]]
        + records.map { record in
            let state = record.revokedAt.map { "revoked \($0.rfc3339)" } ?? record.expiresAt.map { "expires \($0.rfc3339)" } ?? "active"
            return [
                record.id, record.kind.rawValue, record.owner, record.createdAt.rfc3339, record.lastUsedAt?.rfc3339 ?? "never", state,
            ]
        }
    printTable(rows)
}

/// Rows as aligned columns, two spaces apart; the first row is the header. Every listing prints
/// through here: a cell is one line without control characters (`ControlCharacters.stripped`),
/// whatever a receiver or a platform stored in it.
func printTable(_ rows: [[String]]) {
    let rows = rows.map { $0.map(ControlCharacters.stripped) }
    let widths = (0..<rows[0].count).map { column in rows.map { $0[column].unicodeScalars.count }.max() ?? 0 }
    for row in rows {
        say(
            zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - cell.unicodeScalars.count) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}
