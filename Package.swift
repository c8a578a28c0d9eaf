// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "audit-logs",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "auditlogs", targets: ["auditlogs"]),
        .library(name: "AuditLogClient", targets: ["AuditLogClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The domain and its use cases: events, the action catalog, filters, validation, CSV,
        // Details text, accounts, `AuditLogService`, `AdministrationService` and the storage
        // protocols. No HTTP, no SQL, no password hasher: the client library links it.
        .target(
            name: "AuditLogCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Members' passwords: bcrypt, on NIO's thread pool.
        .target(
            name: "AuditLogPasswords",
            dependencies: [
                "AuditLogCore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the two SQL backends share: group commit, the page query, the JSON columns,
        // the integrity chain's encoding of a row.
        .target(
            name: "AuditLogRelational",
            dependencies: ["AuditLogCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The embedded backend: SQLite through GRDB, WAL mode.
        .target(
            name: "AuditLogSQLite",
            dependencies: [
                "AuditLogCore",
                "AuditLogRelational",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The server backend: PostgreSQL through PostgresNIO, events partitioned by month, reads
        // optionally from a standby.
        .target(
            name: "AuditLogPostgres",
            dependencies: [
                "AuditLogCore",
                "AuditLogRelational",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `auditlogs bench`: a deterministic dataset, a Swift HTTP load generator, the engines'
        // own baselines, the report.
        .target(
            name: "AuditLogBench",
            dependencies: [
                "AuditLogClient",
                "AuditLogCore",
                "AuditLogDemo",
                "AuditLogPasswords",
                "AuditLogPostgres",
                "AuditLogRelational",
                "AuditLogSQLite",
                "AuditLogStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // `openStore(location:)`: the one place a backend is chosen, from a path or a URL.
        .target(
            name: "AuditLogStorage",
            dependencies: [
                "AuditLogCore",
                "AuditLogPostgres",
                "AuditLogSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Believable demo organizations and 90 days of their activity, from a seeded generator
        // the bench's dataset and randomized tests use too.
        .target(
            name: "AuditLogDemo",
            dependencies: ["AuditLogCore"],
            swiftSettings: swiftSettings
        ),
        // The HTTP service: routes, controllers, auth, the Audit Logs page (templates and
        // hand-written CSS and JavaScript) and openapi.yaml; and its background work: signed
        // checkpoints, log streams delivered over AsyncHTTPClient.
        .target(
            name: "AuditLogServer",
            dependencies: [
                "AuditLogCore",
                "AuditLogPasswords",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        // The library a platform sends events with: a bounded buffer, batches, retries,
        // idempotent ids; the event model and catalog are AuditLogCore's.
        .target(
            name: "AuditLogClient",
            dependencies: [
                "AuditLogCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `auditlogs` command: reads configuration and calls into the libraries.
        .executableTarget(
            name: "auditlogs",
            dependencies: [
                "AuditLogBench",
                "AuditLogCore",
                "AuditLogDemo",
                "AuditLogPasswords",
                "AuditLogServer",
                "AuditLogStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fresh databases for tests, on either backend (a PostgreSQL database per test).
        .target(
            name: "AuditLogTestSupport",
            dependencies: [
                "AuditLogCore",
                "AuditLogPostgres",
                "AuditLogSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/AuditLogTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditLogCoreTests",
            dependencies: ["AuditLogCore", "AuditLogDemo", "AuditLogTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EventStoreTests",
            dependencies: [
                "AuditLogCore",
                "AuditLogDemo",
                "AuditLogPasswords",
                "AuditLogPostgres",
                "AuditLogRelational",
                "AuditLogSQLite",
                "AuditLogTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditLogDemoTests",
            dependencies: ["AuditLogCore", "AuditLogDemo", "AuditLogSQLite"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditLogBenchTests",
            dependencies: ["AuditLogBench", "AuditLogCore"],
            swiftSettings: swiftSettings
        ),
        // Runs the built `auditlogs` executable: its commands, durability across a kill, and
        // AuditLogClient against a real `auditlogs serve` that is killed and restarted.
        .testTarget(
            name: "CommandLineTests",
            dependencies: [
                "AuditLogBench",
                "AuditLogClient",
                "AuditLogCore",
                "AuditLogPasswords",
                "auditlogs",
                "AuditLogSQLite",
                "AuditLogTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditLogServerTests",
            dependencies: [
                "AuditLogCore",
                "AuditLogPasswords",
                "AuditLogServer",
                "AuditLogSQLite",
                "AuditLogTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
