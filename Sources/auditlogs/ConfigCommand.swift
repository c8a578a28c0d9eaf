import ArgumentParser
import AuditLogStorage
import Foundation

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check serve's configuration.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the settings serve would run with and where each comes from; read the key and TLS files.",
            discussion: """
                Takes serve's flags, reads the same AUDITLOGS_<NAME> variables and --config file, \
                and fails, naming the setting, on a key the file should not have, a value that is \
                not right, or a key or TLS file that cannot be used. Passwords are not printed.
                """)

        @OptionGroup var options: ServeOptions

        func run() async throws {
            let settings = try await ServeSettings.resolve(options)
            let materials = try ServeMaterials.load(settings)
            let width = settings.effective.map(\.key.count).max() ?? 0
            let valueWidth = min(settings.effective.map(\.value.count).max() ?? 0, 40)
            say("serve's settings (from a flag, an AUDITLOGS_<NAME> variable, the file, or the default):")
            for entry in settings.effective {
                let padded = entry.key.padding(toLength: width, withPad: " ", startingAt: 0)
                let value = (entry.value.isEmpty ? "-" : entry.value).padding(
                    toLength: max(valueWidth, entry.value.count), withPad: " ", startingAt: 0)
                say("  \(padded)  \(value)  (\(entry.source.rawValue))")
            }
            let read = [
                materials.signingKey.map { _ in "the signing key" }, materials.streamKey.map { _ in "the stream key" },
                materials.previousStreamKeys.isEmpty ? nil : "\(materials.previousStreamKeys.count) previous stream key(s)",
                materials.tls.map { _ in "the TLS certificate chain and key" },
            ].compactMap { $0 }
            say(read.isEmpty ? "The settings are valid." : "The settings are valid; read \(read.joined(separator: ", ")).")
            // A variable nothing reads is most likely a misspelt one (AUDITLOGS_PROT), whose
            // setting silently keeps its default.
            let known =
                Set(settings.effective.map { SettingsReader.environmentVariable($0.key) }).union([
                    ServeSettings.configVariable, CommandLogging.formatVariable, PasswordOptions.environmentVariable,
                ])
            for name in ProcessInfo.processInfo.environment.keys.sorted()
            where name.hasPrefix("AUDITLOGS_") && !name.hasPrefix("AUDITLOGS_TEST_") && !known.contains(name) {
                FileHandle.standardError.write(Data("Warning: \(name) is set, but no setting of auditlogs reads it.\n".utf8))
            }
            if let path = options.config ?? environmentValue(ServeSettings.configVariable),
                StoreLocation.redacted(settings.database) != settings.database
            {
                SecretInput.warnIfOthersCanRead(
                    path, because: " and the database URL has a password; make it owner-only (chmod 600).")
            }
        }
    }
}
