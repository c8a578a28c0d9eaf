import ArgumentParser
import AuditLogCore
import Foundation

/// Where secrets come from when they are not on the command line: a command line is readable by
/// every user of the machine (`ps`, /proc/PID/cmdline) and is kept in shell history.
enum SecretInput {
    /// The first line of standard input, its line break dropped; an empty one is refused.
    static func standardInputLine(for what: String, flag: String) throws -> String {
        guard let line = readLine(strippingNewline: true), !line.isEmpty else {
            throw CommandFailure("\(flag): standard input held no \(what) (its first line is empty, or there is none).")
        }
        return line
    }

    /// The contents of the file at `path`, one trailing line break dropped; an empty one is
    /// refused. A file that other users may read is used, with a warning: the secret is no
    /// safer there than on a command line.
    static func file(_ path: String, for what: String, flag: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("\(flag): cannot read \(path).")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.utf8.last == UInt8(ascii: "\n") { text.removeLast() }  // "\r\n" is one Character
        guard !text.isEmpty else { throw CommandFailure("\(flag): \(path) is empty; it must hold the \(what).") }
        warnIfOthersCanRead(path, because: "; keep the \(what) owner-only (chmod 600).")
        return text
    }

    /// Warns on standard error when the file at `path` can be read by users other than its
    /// owner: `reason` ends the line.
    static func warnIfOthersCanRead(_ path: String, because reason: String) {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int, mode & 0o077 != 0
        else { return }
        FileHandle.standardError.write(
            Data(terminalText("Warning: \(path) can be read by other users (mode \(String(mode, radix: 8)))\(reason)\n").utf8))
    }
}

/// `--password-stdin`, `--password`, or `AUDITLOGS_PASSWORD`: a member's password.
struct PasswordOptions: ParsableArguments {
    static let environmentVariable = "AUDITLOGS_PASSWORD"

    @Flag(
        help: ArgumentHelp(
            "Read the password from the first line of standard input (at least 10 characters; the line break is dropped). Or set $\(environmentVariable)."
        ))
    var passwordStdin = false
    @Option(help: "The password itself; other users of the machine can see it in the process list, so prefer --password-stdin.")
    var password: String?

    func validate() throws {
        if passwordStdin && password != nil { throw ValidationError("Give --password-stdin or --password, not both.") }
        if !passwordStdin && password == nil && environmentValue(Self.environmentVariable) == nil {
            throw ValidationError("Give the password on standard input (--password-stdin), in $\(Self.environmentVariable), or with --password.")
        }
        if let password, let problem = PasswordPolicy.problem(with: password) { throw ValidationError("--password \(problem).") }
    }

    /// The password from where it was given; one bcrypt would refuse is an error.
    func read() throws -> String {
        let password: String
        if passwordStdin {
            password = try SecretInput.standardInputLine(for: "password", flag: "--password-stdin")
        } else if let given = self.password ?? environmentValue(Self.environmentVariable) {
            password = given
        } else {
            throw ValidationError("Give the password on standard input (--password-stdin), in $\(Self.environmentVariable), or with --password.")
        }
        if let problem = PasswordPolicy.problem(with: password) { throw CommandFailure("The password \(problem).") }
        return password
    }
}
