import ArgumentParser
import AuditLogCore
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an organization's integrity chain, its signed checkpoints and what witnessed them.",
        discussion: """
            Exits with status 0 only when every event matches its hash, no sequence number is \
            missing, the organization's record agrees with its events, every signed checkpoint \
            and retention cut holds (signed by a given key, following the one before, matching \
            the events up to it), the retention base is where the latest signed cut puts it, \
            every stored export manifest's checkpoint and every --trusted-checkpoint is still \
            in the chain, and (with a key) no event older than --max-unsigned-age goes \
            unsigned; otherwise names the first broken sequence number and what is wrong, and \
            exits with status 1. It trusts neither the database nor its operator: keep a \
            checkpoint outside it (docs/INTEGRITY.md) and give it here.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The organization's id.") var org: String
    @Option(
        help: ArgumentHelp(
            "A public key (PEM) checkpoints may be signed with; repeat it for keys used before a rotation.", valueName: "path"))
    var publicKey: [String] = []
    @OptionGroup var signingKey: SigningKeyOptions
    @Option(
        help: ArgumentHelp(
            "A file holding checkpoints kept outside the database (a checkpoint, a page of GET …/checkpoints, an export manifest, the service's --checkpoint-log, records a log stream delivered); each of the organization's must still be in the chain. Repeatable.",
            valueName: "path"))
    var trustedCheckpoint: [String] = []
    @Option(
        help: ArgumentHelp(
            "With a key: events stored longer ago than this many seconds must be covered by a checkpoint (default 600, twice serve's default --checkpoint-interval).",
            valueName: "seconds"))
    var maxUnsignedAge = 600

    func validate() throws {
        guard (1...(366 * 86_400)).contains(maxUnsignedAge) else {
            throw ValidationError("--max-unsigned-age must be from 1 to 31622400 seconds.")
        }
    }

    func run() async throws {
        var keys = try publicKey.map { path in try KeyFile.read(path) { try VerifyingKey(pem: $0) } }
        if let own = try signingKey.load() { keys.append(own.publicKey) }
        var trusted: [Checkpoint] = []
        for path in trustedCheckpoint {
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("Cannot read \(path).") }
            let found = Checkpoint.records(in: Array(data)).filter { $0.organizationID == org }
            guard !found.isEmpty else { throw CommandFailure("\(path) holds no checkpoint of \(org).") }
            trusted += found
        }
        let options = VerificationOptions(keys: keys, trusted: trusted, maximumUnsignedAge: .seconds(maxUnsignedAge))
        let started = ContinuousClock.now
        let report = try await database.withBackend { backend in
            do {
                return try await backend.verifyChain(organizationID: org, options: options)
            } catch let error as AuditLogError where error.kind == .notFound {
                throw CommandFailure("There is no organization \(org).")
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        if report.isIntact {
            let purged = report.purgedThrough > 0 ? " (1–\(report.purgedThrough) purged by retention)" : ""
            var witnesses: [String] = []
            if report.manifestsChecked > 0 { witnesses.append("\(report.manifestsChecked) export manifests") }
            if report.trustedChecked > 0 { witnesses.append("\(report.trustedChecked) trusted checkpoints") }
            say(
                "Intact: \(report.eventsChecked) events of \(org), sequences \(report.purgedThrough + 1)–\(report.lastSequence)\(purged), head \(report.headHash), \(report.checkpointsChecked) signed records\(witnesses.isEmpty ? "" : ", " + witnesses.joined(separator: " and ") + " found in the chain") (\(String(format: "%.2f", seconds)) s)."
            )
            if keys.isEmpty {
                say("No public key was given: the chain is consistent, but nothing shows that it was not rewritten as a whole.")
            }
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
