public import ArgumentParser
public import AuditLogCore
import AuditLogServer
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
        commandName: "member", abstract: "Manage members.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a member to an organization, creating them if the email is new.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String
        @Option(help: "The member's email.") var email: String
        @Option(help: "The member's name.") var name: String
        @Option(help: "admin (reads audit logs) or member.") var role: Role
        @Option(help: "A password of at least 10 characters (kept only as a bcrypt hash).") var password: String

        func validate() throws {
            guard EmailAddress.isPlausible(email) else { throw ValidationError("--email must be an email address.") }
            guard (1...256).contains(name.count) else { throw ValidationError("--name must be 1 to 256 characters.") }
            if let problem = PasswordHasher.problem(with: password) { throw ValidationError("--password \(problem).") }
        }

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            guard try await store.organization(id: org) != nil else {
                throw CommandFailure("There is no organization \(org); create it with `auditlogs org create`.")
            }
            let hash = try await PasswordHasher(cost: 12).hash(password)
            let member = try await store.saveMember(email: email, name: name, passwordHash: hash, createdAt: .now)
            try await store.setRole(role, memberID: member.id, organizationID: org)
            say("\(member.email) is now \(role == .admin ? "an admin" : "a member") of \(org) (member id \(member.id)).")
        }
    }
}

extension Role: ExpressibleByArgument {}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage ingest keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an ingest key for an organization; prints the secret once, on the last line.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The organization's id.") var org: String

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            guard try await store.organization(id: org) != nil else {
                throw CommandFailure("There is no organization \(org); create it with `auditlogs org create`.")
            }
            let secret = Secret.generate(.ingestKey)
            let id = Secret.identifier(prefix: "key")
            try await store.createIngestKey(id: id, organizationID: org, secretHash: Secret.hash(secret), createdAt: .now)
            say("Ingest key \(id) for \(org). It writes events only; store it now, it is not shown again:")
            say(secret)
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage personal tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a personal token for a member's scripts; prints it once, on the last line.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The member's email.") var email: String

        func run() async throws {
            let store = try database.openStore(logger: Logger.command("auditlogs"))
            guard let member = try await store.member(email: email)?.member else {
                throw CommandFailure("There is no member \(email); add them with `auditlogs member add`.")
            }
            let secret = Secret.generate(.personalToken)
            try await store.createMemberToken(
                id: Secret.identifier(prefix: "tok"), memberID: member.id, kind: .personal,
                secretHash: Secret.hash(secret), createdAt: .now, expiresAt: nil)
            say("Personal token for \(member.email). It reads what \(member.name) may read; store it now, it is not shown again:")
            say(secret)
        }
    }
}
