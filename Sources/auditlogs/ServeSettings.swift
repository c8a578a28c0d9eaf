import ArgumentParser
import AuditLogCore
import AuditLogServer
import AuditLogStorage
import Configuration
import Foundation
import SystemPackage
import Yams

/// What `serve` runs with: each setting from its flag, else its `AUDITLOGS_<NAME>` variable,
/// else its key in the `--config` file, else its default (DESIGN.md, "Operations"). Every value
/// is checked here; a wrong one is named as the operator wrote it — `--port`, `AUDITLOGS_PORT`
/// or `port in FILE` — and a key of the file that no setting reads is an error, not a silence.
struct ServeSettings {
    static let configVariable = "AUDITLOGS_CONFIG"

    var database = DatabaseOptions.defaultPath
    var readDatabase: String?
    var host = "127.0.0.1"
    var port = 8080
    var tlsCertificate: String?
    var tlsKey: String?
    var trustedProxies: [AddressRange] = []
    var demo = false
    var secureCookies: Bool?
    var ssoURL: String?
    var modelConfigurationURL: String?
    var operatorPort: Int?
    var operatorHost = "127.0.0.1"
    var requestTimeout = 30
    var idleTimeout = 60
    var maxConnections = 1_000
    var shutdownTimeout = 10
    var drainDelay = 0
    var logFormat = LogFormat.text
    var signingKey: String?
    var streamKey: String?
    var previousStreamKeys: [String] = []
    var checkpointLog: String?
    var checkpointInterval = 300
    var maxUnsignedAge: Int?
    var retentionInterval = 3_600
    var streamAllowPrivate = false
    var frameAncestors: [String] = []

    /// Every setting in the order read, as `config check` prints it: secrets redacted.
    private(set) var effective: [SettingsReader.Entry] = []

    /// The settings from `options`, `environment` and the file `options.config` (or
    /// `$AUDITLOGS_CONFIG`) names.
    static func resolve(
        _ options: ServeOptions, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> ServeSettings {
        let environment = environment.filter { !$0.value.isEmpty }
        var file: SettingsFile?
        if let path = options.config ?? environment[configVariable] { file = try await SettingsFile(path: path) }
        var reader = SettingsReader(commandLine: options.commandLineValues, environment: environment, file: file)
        var settings = ServeSettings()
        settings.database = try await reader.string("database", default: settings.database, shown: StoreLocation.redacted)
        settings.readDatabase = try await reader.optionalString("read-database", shown: StoreLocation.redacted)
        settings.host = try await reader.string("host", default: settings.host)
        settings.port = try await reader.int("port", default: settings.port, in: 1...65535)
        settings.tlsCertificate = try await reader.optionalString("tls-certificate")
        settings.tlsKey = try await reader.optionalString("tls-key")
        let proxies = try await reader.strings("trusted-proxy")
        settings.trustedProxies = try proxies.map { text in
            guard let range = AddressRange(text) else {
                throw CommandFailure(
                    "\(reader.name(of: "trusted-proxy")): \(text) is not an IP address or CIDR block (10.0.0.0/8, fd00::/8).")
            }
            return range
        }
        settings.demo = try await reader.bool("demo", default: settings.demo)
        settings.secureCookies = try await reader.optionalBool("secure-cookies")
        if settings.secureCookies == nil {
            // What ServerConfiguration decides: HTTPS-only with TLS or off loopback.
            let secure = settings.tlsCertificate != nil || !ServerConfiguration.isLoopback(settings.host)
            reader.show("\(secure) (\(secure ? "TLS or not loopback" : "loopback without TLS"))")
        }
        settings.ssoURL = try await reader.optionalString("sso-url")
        settings.modelConfigurationURL = try await reader.optionalString("model-configuration-url")
        settings.operatorPort = try await reader.optionalInt("operator-port", in: 1...65535)
        settings.operatorHost = try await reader.string("operator-host", default: settings.operatorHost)
        settings.requestTimeout = try await reader.int("request-timeout", default: settings.requestTimeout, in: 1...3_600)
        settings.idleTimeout = try await reader.int("idle-timeout", default: settings.idleTimeout, in: 1...3_600)
        settings.maxConnections = try await reader.int("max-connections", default: settings.maxConnections, in: 1...100_000)
        settings.shutdownTimeout = try await reader.int("shutdown-timeout", default: settings.shutdownTimeout, in: 1...3_600)
        settings.drainDelay = try await reader.int("drain-delay", default: settings.drainDelay, in: 0...600)
        let format = try await reader.string("log-format", default: settings.logFormat.rawValue)
        guard let logFormat = LogFormat(rawValue: format) else {
            throw CommandFailure("\(reader.name(of: "log-format")) must be text or json.")
        }
        settings.logFormat = logFormat
        settings.signingKey = try await reader.optionalString("signing-key")
        settings.streamKey = try await reader.optionalString("stream-key")
        settings.previousStreamKeys = try await reader.strings("previous-stream-key")
        settings.checkpointLog = try await reader.optionalString("checkpoint-log")
        settings.checkpointInterval = try await reader.int("checkpoint-interval", default: settings.checkpointInterval, in: 1...86_400)
        settings.maxUnsignedAge = try await reader.optionalInt(
            "max-unsigned-age", in: settings.checkpointInterval...(30 * 86_400), whenUnset: "twice checkpoint-interval")
        settings.retentionInterval = try await reader.int("retention-interval", default: settings.retentionInterval, in: 1...86_400)
        settings.streamAllowPrivate = try await reader.bool("stream-allow-private", default: settings.streamAllowPrivate)
        settings.frameAncestors = try await reader.strings("frame-ancestor")
        try reader.refuseUnknownKeys()
        settings.effective = reader.entries
        try settings.check(reader)
        return settings
    }

    /// What no single value shows: settings that need or exclude each other.
    private func check(_ reader: SettingsReader) throws {
        for origin in frameAncestors where !ServerConfiguration.isFrameAncestor(origin) {
            throw CommandFailure(
                "\(reader.name(of: "frame-ancestor")): \(origin) is not an origin: give https://host[:port] in lowercase (http:// only on a loopback host), without a path."
            )
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw CommandFailure("TLS needs both a certificate chain and its key: give tls-certificate and tls-key, or neither.")
        }
        if !previousStreamKeys.isEmpty, streamKey == nil {
            throw CommandFailure("\(reader.name(of: "previous-stream-key")) needs the key that replaced it: give stream-key too.")
        }
        if checkpointLog != nil, signingKey == nil {
            throw CommandFailure("\(reader.name(of: "checkpoint-log")) needs a signing key: without one nothing is signed.")
        }
        if operatorPort == port, operatorHost == host { throw CommandFailure("operator-port must differ from port.") }
        for (key, url) in [("sso-url", ssoURL), ("model-configuration-url", modelConfigurationURL)] {
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")) {
                throw CommandFailure("\(reader.name(of: key)) must be an http(s) URL or a path on this site.")
            }
        }
    }

    /// The address the service answers at, as a person would type it.
    var url: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(tlsCertificate == nil ? "http" : "https")://\(bracketed):\(port)/"
    }
}

extension ServeOptions {
    /// The flags given, as the first of the configuration's providers.
    var commandLineValues: [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigContent] = [:]
        let strings: [(String, String?)] = [
            ("database", database.database), ("read-database", readDatabase), ("host", host), ("tls-certificate", tlsCertificate),
            ("tls-key", tlsKey), ("sso-url", ssoURL), ("model-configuration-url", modelConfigurationURL),
            ("operator-host", operatorHost), ("log-format", logFormat?.rawValue), ("signing-key", signingKey.signingKey),
            ("stream-key", streamKey.streamKey), ("checkpoint-log", checkpointLog.checkpointLog),
        ]
        for case (let key, let value?) in strings { values[AbsoluteConfigKey([key])] = .string(value) }
        let integers: [(String, Int?)] = [
            ("port", port), ("operator-port", operatorPort), ("request-timeout", requestTimeout), ("idle-timeout", idleTimeout),
            ("max-connections", maxConnections), ("shutdown-timeout", shutdownTimeout), ("drain-delay", drainDelay),
            ("checkpoint-interval", checkpointInterval), ("max-unsigned-age", maxUnsignedAge),
            ("retention-interval", retentionInterval),
        ]
        for case (let key, let value?) in integers { values[AbsoluteConfigKey([key])] = .int(value) }
        let flags: [(String, Bool?)] = [("demo", demo), ("secure-cookies", secureCookies), ("stream-allow-private", streamAllowPrivate)]
        for case (let key, let value?) in flags { values[AbsoluteConfigKey([key])] = .bool(value) }
        let lists: [(String, [String])] = [
            ("trusted-proxy", trustedProxy), ("previous-stream-key", previousStreamKey), ("frame-ancestor", frameAncestor),
        ]
        for (key, value) in lists where !value.isEmpty { values[AbsoluteConfigKey([key])] = .stringArray(value) }
        return values.mapValues { ConfigValue($0, isSecret: false) }
    }
}

/// A `--config` file: its keys (with their lines, for errors) and the provider that reads it.
struct SettingsFile {
    var path: String
    var keys: [String: Int]
    /// Nil for a file with no settings at all.
    var provider: FileProvider<YAMLSnapshot>?

    init(path: String) async throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("Cannot read the configuration file \(path).")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw CommandFailure("\(path) is not valid YAML: \(error)")
        }
        guard let root else {  // empty, or comments only: no settings
            keys = [:]
            provider = nil
            return
        }
        guard let mapping = root.mapping else {
            throw CommandFailure("\(path) must be a mapping of settings (port: 8443), one a line.")
        }
        var keys: [String: Int] = [:]
        for key in mapping.keys {
            keys[key.string ?? "\(key)"] = key.mark?.line ?? 0
        }
        self.keys = keys
        do {
            provider = try await FileProvider<YAMLSnapshot>(filePath: FilePath(path))
        } catch {
            throw CommandFailure("\(path): \(error)")
        }
    }
}

/// Reads settings in the order of precedence and remembers, for each, the value it took and
/// where that came from.
struct SettingsReader {
    enum Source: String {
        case flag, environment, file, `default`
    }

    struct Entry {
        var key: String
        var value: String
        var source: Source
    }

    private let reader: ConfigReader
    private let commandLine: [AbsoluteConfigKey: ConfigValue]
    private let environment: [String: String]
    private let file: SettingsFile?
    private(set) var entries: [Entry] = []

    init(commandLine: [AbsoluteConfigKey: ConfigValue], environment: [String: String], file: SettingsFile?) {
        self.commandLine = commandLine
        self.environment = environment
        self.file = file
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: commandLine),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "auditlogs"),
        ]
        if let provider = file?.provider { providers.append(provider) }
        self.reader = ConfigReader(providers: providers)
    }

    /// `AUDITLOGS_` and the key in capitals, dashes as underscores: `AUDITLOGS_TLS_KEY`.
    static func environmentVariable(_ key: String) -> String {
        "AUDITLOGS_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    func source(of key: String) -> Source {
        if commandLine[AbsoluteConfigKey([key])] != nil { return .flag }
        if environment[Self.environmentVariable(key)] != nil { return .environment }
        if file?.keys[key] != nil { return .file }
        return .default
    }

    /// The setting as the operator wrote it, for an error about its value.
    func name(of key: String) -> String {
        switch source(of: key) {
        case .flag, .default: "--\(key)"
        case .environment: Self.environmentVariable(key)
        case .file: "\(key) in \(file?.path ?? "the configuration file")"
        }
    }

    mutating func string(_ key: String, default value: String, shown: (String) -> String = { $0 }) async throws -> String {
        let read = try await fetch(key, "text") { try await reader.fetchString(forKey: ConfigKey(key)) } ?? value
        record(key, shown(read))
        return read
    }

    mutating func optionalString(_ key: String, shown: (String) -> String = { $0 }) async throws -> String? {
        let read = try await fetch(key, "text") { try await reader.fetchString(forKey: ConfigKey(key)) }
        record(key, read.map(shown))
        return read
    }

    mutating func int(_ key: String, default value: Int, in range: ClosedRange<Int>) async throws -> Int {
        let read = try await optionalInt(key, in: range, whenUnset: String(value)) ?? value
        return read
    }

    /// `whenUnset` is shown when no source gives the setting: its default, in words if it
    /// depends on others.
    mutating func optionalInt(_ key: String, in range: ClosedRange<Int>, whenUnset: String = "") async throws -> Int? {
        let read = try await fetch(key, "a whole number") { try await reader.fetchInt(forKey: ConfigKey(key)) }
        if let read, !range.contains(read) {
            throw CommandFailure("\(name(of: key)) must be from \(range.lowerBound) to \(range.upperBound); it is \(read).")
        }
        record(key, read.map(String.init) ?? whenUnset)
        return read
    }

    mutating func bool(_ key: String, default value: Bool) async throws -> Bool {
        let read = try await optionalBool(key)
        if read == nil { show(String(value)) }
        return read ?? value
    }

    mutating func optionalBool(_ key: String) async throws -> Bool? {
        let read = try await fetch(key, "true or false") { try await reader.fetchBool(forKey: ConfigKey(key)) }
        record(key, read.map(String.init))
        return read
    }

    mutating func strings(_ key: String) async throws -> [String] {
        // A file may give one item as a plain value (trusted-proxy: 10.0.0.0/8).
        let read =
            try await fetch(key, "a list (- item a line; in a variable, comma-separated)") { () async throws -> [String]? in
                do {
                    return try await reader.fetchStringArray(forKey: ConfigKey(key))
                } catch {
                    return try await reader.fetchString(forKey: ConfigKey(key)).map { [$0] }
                }
            } ?? []
        record(key, read.joined(separator: ", "))
        return read
    }

    /// A key of the file that no setting read: a typo that would otherwise leave a default in
    /// force unnoticed.
    func refuseUnknownKeys() throws {
        guard let file else { return }
        let known = Set(entries.map(\.key))
        if let (key, line) = file.keys.filter({ !known.contains($0.key) }).min(by: { $0.value < $1.value }) {
            throw CommandFailure(
                "\(file.path), line \(line): \(key) is not a setting of serve (auditlogs serve --help lists them; a key is a flag's name without the dashes)."
            )
        }
    }

    private func fetch<Value>(_ key: String, _ kind: String, _ read: () async throws -> Value?) async throws -> Value? {
        do {
            return try await read()
        } catch {
            throw CommandFailure("\(name(of: key)) must be \(kind).")
        }
    }

    /// Shows `value` for the setting read last: a default that depends on other settings.
    mutating func show(_ value: String) {
        entries[entries.count - 1].value = value
    }

    private mutating func record(_ key: String, _ value: String?) {
        entries.append(Entry(key: key, value: value ?? "", source: source(of: key)))
    }
}
