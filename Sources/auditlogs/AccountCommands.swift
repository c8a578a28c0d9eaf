public import ArgumentParser
public import AuditLogCore
import AuditLogServer
import Foundation
import Logging

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
            guard (1...256).contains(name.count) else { throw ValidationError("--name must be 1 to 256 characters.") }
        }

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            try await store.createOrganization(Organization(id: id, name: name), createdAt: .now)
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
        @Option(help: "A password of at least 10 characters (kept only as a bcrypt hash).") var password: String

        func validate() throws {
            guard EmailAddress.isPlausible(email) else { throw ValidationError("--email must be an email address of at most 320 bytes.") }
            guard (1...256).contains(name.unicodeScalars.count) else { throw ValidationError("--name must be 1 to 256 characters.") }
            if let problem = PasswordHasher.problem(with: password) { throw ValidationError("--password \(problem).") }
        }

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            guard try await store.organization(id: org) != nil else {
                throw CommandFailure("There is no organization \(org); create it with `auditlogs org create`.")
            }
            if try await store.member(email: email) != nil {
                throw CommandFailure("\(email.lowercased()) is a member already; `auditlogs member password` changes a password.")
            }
            let hash = try await PasswordHasher(cost: 12).hash(password)
            let member = try await store.createMember(email: email, name: name, passwordHash: hash, createdAt: .now)
            try await store.setRole(role, memberID: member.id, organizationID: org)
            say("\(member.email) is now \(role == .admin ? "an admin" : "a member") of \(org) (member id \(member.id)).")
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a member's password; every session of theirs ends (personal tokens stay: see `token revoke`).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String
        @Option(help: "The new password, at least 10 characters.") var password: String

        func validate() throws {
            if let problem = PasswordHasher.problem(with: password) { throw ValidationError("--password \(problem).") }
        }

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            let member = try await Self.member(email, in: store)
            let hash = try await PasswordHasher(cost: 12).hash(password)
            let ended = try await store.setPassword(memberID: member.id, passwordHash: hash)
            say("The password of \(member.email) is changed; \(ended) session\(ended == 1 ? "" : "s") ended.")
        }

        static func member(_ email: String, in store: some AccountStore) async throws -> Member {
            guard let member = try await store.member(email: email)?.member else {
                throw CommandFailure("There is no member \(email); add them with `auditlogs member add`.")
            }
            return member
        }
    }
}

extension Role: ExpressibleByArgument {}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage ingest keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an ingest key for an organization; prints the secret once, on the last line.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            try await requireOrganization(org, in: store)
            let secret = Secret.generate(.ingestKey)
            let id = Secret.identifier(prefix: "key")
            try await store.createIngestKey(id: id, organizationID: org, secretHash: Secret.hash(secret), createdAt: .now)
            say("Ingest key \(id) for \(org). It writes events only; store it now, it is not shown again:")
            say(secret)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's ingest keys: id, creation, last use (to the minute), revocation. Never secrets.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            try await requireOrganization(org, in: store)
            printCredentials(try await store.ingestKeys(organizationID: org), empty: "\(org) has no ingest keys.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke an ingest key: requests with it are refused from now on (401).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "The key's id, as `key list` shows it (key_…).") var id: String

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            try await requireOrganization(org, in: store)
            guard try await store.revokeIngestKey(id: id, organizationID: org, at: .now) else {
                throw CommandFailure("\(org) has no live ingest key \(id); `auditlogs key list --org \(org)` lists them.")
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
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            let member = try await MemberCommand.Password.member(email, in: store)
            let secret = Secret.generate(.personalToken)
            try await store.createMemberToken(
                id: Secret.identifier(prefix: "tok"), memberID: member.id, kind: .personal,
                secretHash: Secret.hash(secret), createdAt: .now, expiresAt: nil)
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
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            let member = try await MemberCommand.Password.member(email, in: store)
            printCredentials(try await store.memberTokens(memberID: member.id, now: .now), empty: "\(member.email) has no tokens.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a member's personal token or session: it is refused from now on (401).")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String
        @Option(help: "The token's id, as `token list` shows it (tok_… or ses_…).") var id: String

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            let member = try await MemberCommand.Password.member(email, in: store)
            guard try await store.revokeMemberToken(id: id, memberID: member.id, at: .now) else {
                throw CommandFailure("\(member.email) has no live token \(id); `auditlogs token list --email \(member.email)` lists them.")
            }
            say("Token \(id) of \(member.email) is revoked.")
        }
    }
}

private func requireOrganization(_ id: String, in store: some AccountStore) async throws {
    guard try await store.organization(id: id) != nil else {
        throw CommandFailure("There is no organization \(id); create it with `auditlogs org create`.")
    }
}

/// One line per credential, columns aligned: id, kind, owner, created, last used, state.
private func printCredentials(_ records: [CredentialRecord], empty: String) {
    guard !records.isEmpty else {
        say(empty)
        return
    }
    let rows = [["ID", "KIND", "FOR", "CREATED", "LAST USED", "STATE"]] + records.map { record in
        let state = record.revokedAt.map { "revoked \($0.rfc3339)" } ?? record.expiresAt.map { "expires \($0.rfc3339)" } ?? "active"
        return [
            record.id, record.kind.rawValue, record.owner, record.createdAt.rfc3339, record.lastUsedAt?.rfc3339 ?? "never", state,
        ]
    }
    let widths = (0..<rows[0].count).map { column in rows.map { $0[column].unicodeScalars.count }.max() ?? 0 }
    for row in rows {
        say(zip(row, widths).map { cell, width in cell + String(repeating: " ", count: width - cell.unicodeScalars.count) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
    }
}
