// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mundo-messaging",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "fcgi-app", targets: ["FCGIApp"]),
        .executable(name: "push-daemon", targets: ["PushDaemon"]),
        .executable(name: "messaging-admin", targets: ["MessagingAdmin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Already resolved for jwt-kit; used directly to hash service tokens (SHA-256).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // C libraries from Debian: libfcgi-dev, libpq-dev, liblua5.4-dev.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),

        // The hook sandbox's limits and the budgeted replacements of Lua's long-running library
        // functions, in C because they raise Lua errors (a longjmp must never cross Swift frames).
        .target(name: "CLuaSandbox", dependencies: ["CLua"]),

        // JSON values: request parsing, response and event rendering, Lua hook input and output.
        .target(name: "JSON"),

        // libpq wrapper: connections, results, errors. Knows nothing of the domain.
        .target(name: "Postgres", dependencies: ["CLibPQ"]),

        // Domain, wire format, validation, the store, migrations, auth, configuration.
        .target(
            name: "MessagingCore",
            dependencies: [
                "Postgres", "JSON",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Transport of what the processes observe: Prometheus metrics and their HTTP endpoint,
        // the logfmt log handler. Only the servers link it (not messaging-admin).
        .target(
            name: "Observability",
            dependencies: [
                "MessagingCore", "Postgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // `--config PATH`, the one option every executable shares.
        .target(
            name: "CommandOptions",
            dependencies: ["MessagingCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Embedded Lua 5.4 and the H2AC contract. Knows nothing of HTTP or Postgres.
        .target(name: "Hooks", dependencies: ["CLua", "CLuaSandbox", "JSON", .product(name: "Logging", package: "swift-log")]),

        .executableTarget(
            name: "FCGIApp",
            dependencies: [
                "CFastCGI", "MessagingCore", "Hooks", "Observability", "CommandOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "PushDaemon",
            dependencies: [
                "MessagingCore", "Hooks", "Observability", "CommandOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "MessagingAdmin",
            dependencies: [
                "MessagingCore", "Hooks", "JSON", "CommandOptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "MessagingCoreTests", dependencies: ["MessagingCore", "JSON", .product(name: "JWTKit", package: "jwt-kit"),
                                                            .product(name: "Logging", package: "swift-log")]),
        // Pure parts of the executables: WebSocket frame rules, UTF-8 validation, routing.
        .testTarget(
            name: "PushDaemonTests",
            dependencies: ["PushDaemon", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio")]
        ),
        .testTarget(name: "FCGIAppTests", dependencies: ["FCGIApp"]),
        .testTarget(name: "ObservabilityTests", dependencies: ["Observability", "MessagingCore", "Postgres"]),
        .testTarget(
            name: "HooksTests",
            dependencies: ["Hooks", "JSON", .product(name: "Logging", package: "swift-log")],
            exclude: ["Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
