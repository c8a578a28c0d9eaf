import ArgumentParser
import AuditLogCore
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an organization's integrity chain: every event's hash, in sequence order.",
        discussion: """
            Exits with status 0 only when every event matches its hash, no sequence number is \
            missing, the organization's record agrees with its events and every signed checkpoint \
            holds (signed by a given key, following the one before, matching the events up to \
            it); otherwise names the first broken sequence number and what is wrong, and exits \
            with status 1.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The organization's id.") var org: String
    @Option(
        help: ArgumentHelp(
            "A public key (PEM) checkpoints may be signed with; repeat it for keys used before a rotation.", valueName: "path"))
    var publicKey: [String] = []
    @OptionGroup var signingKey: SigningKeyOptions

    func run() async throws {
        var keys = try publicKey.map { path in try KeyFile.read(path) { try VerifyingKey(pem: $0) } }
        if let own = try signingKey.load() { keys.append(own.publicKey) }
        let started = ContinuousClock.now
        let report = try await database.withBackend { backend in
            do {
                return try await backend.verifyChain(organizationID: org, keys: keys)
            } catch let error as AuditLogError where error.kind == .notFound {
                throw CommandFailure("There is no organization \(org).")
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        if report.isIntact {
            say(
                "Intact: \(report.eventsChecked) events of \(org), sequences \(report.purgedThrough + 1)–\(report.lastSequence)\(report.purgedThrough > 0 ? " (1–\(report.purgedThrough) purged by retention)" : ""), head \(report.headHash), \(report.checkpointsChecked) signed checkpoints (\(String(format: "%.2f", seconds)) s)."
            )
            return
        }
        let first = report.problems[0]
        say("BROKEN at sequence \(first.sequence): \(first.message).")
        for problem in report.problems.dropFirst().prefix(19) { say("  also \(problem)") }
        if report.problems.count > 20 { say("  and \(report.problems.count - 20) more problems.") }
        say("\(report.eventsChecked) events of \(org) checked.")
        throw ExitCode(1)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
