import ArgumentParser
import AuditLogCore
import AuditLogDemo
import AuditLogPasswords
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Load three demo organizations with 90 days of activity.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        try await database.withBackend { backend in try await Self.loadDemo(into: backend) }
    }

    /// Loads the demo data and prints who to sign in as.
    static func loadDemo(into store: any AuditLogBackend) async throws {
        let started = Date()
        let hash = try await BcryptPasswordHasher(cost: 10).hash(DemoData.password)
        let summary = try await DemoLoader.load(into: store, passwordHash: hash, now: .now)
        if summary.eventsStored > 0 { try await store.optimize() }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        say(
            summary.eventsStored > 0
                ? "Loaded the demo data: \(summary.eventsStored) events in \(seconds) s."
                : "The demo data is already loaded.")
        let admins = summary.people.filter { $0.person.role == .admin }
        if let acme = admins.first {
            say("Sign in as \(acme.person.email) (admin of \(acme.organization.name)), password \(DemoData.password)")
        }
        if let member = summary.people.first(where: { $0.person.role == .member }) {
            say("A member who is not an admin: \(member.person.email), same password")
        }
    }
}
