import ArgumentParser
import AuditLogCore
import AuditLogServer
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (the API and the Audit Logs page).")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on.") var port = 8080
    @Flag(help: "Load the demo organizations first (nothing is loaded twice).") var demo = false
    @Flag(help: "Send the session cookie over HTTPS only (when served behind TLS).") var secureCookies = false
    @Option(help: ArgumentHelp(
        "Where the SSO tab of the organization settings leads; {organization} is replaced by the organization's id.",
        valueName: "url"))
    var ssoURL: String?
    @Option(help: ArgumentHelp("Where the Model Configuration tab leads, likewise.", valueName: "url"))
    var modelConfigurationURL: String?

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be from 1 to 65535.") }
        for (flag, url) in [("--sso-url", ssoURL), ("--model-configuration-url", modelConfigurationURL)] {
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")) {
                throw ValidationError("\(flag) must be an http(s) URL or a path on this site.")
            }
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger.command("auditlogs")
        let store = try database.openStore(logger: logger)
        if demo {
            try await DemoCommand.loadDemo(into: store)
        }
        let configuration = ServerConfiguration(
            host: host, port: port, secureCookies: secureCookies, ssoURL: ssoURL, modelConfigurationURL: modelConfigurationURL)
        let app = buildApplication(
            configuration: configuration, dependencies: ServerDependencies(store: store, metrics: registry), logger: logger)
        say("Audit Logs is serving \(database.location) at http://\(host):\(port)/")
        try await app.runService()
    }
}
