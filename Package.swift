// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "cdsh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cdsh", targets: ["cdsh"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Domain values and pure rules: plans, states, the scheduler's decide(snapshot). Foundation only, no I/O.
        .target(name: "PipelineModel"),
        // The system libedit, with fixed-arity wrappers over its variadic calls.
        .systemLibrary(name: "CLibedit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        // What must be C: the saved termios restored by fatal-signal handlers, and a SIGINT self-pipe.
        .target(name: "CTerminal"),
        // The I/O priority system call glibc does not wrap, for jobs that yield to a security patch.
        .target(name: "CProcessPriority"),
        // Reading lines: libedit at a terminal, plain reads from pipes and files.
        .target(name: "LineEditor", dependencies: ["CLibedit", "CTerminal"]),
        // cdsh.yml to a PipelinePlan, every problem with FILE:LINE:COLUMN.
        .target(
            name: "PipelineConfig",
            dependencies: ["PipelineModel", .product(name: "Yams", package: "Yams")]
        ),
        // The store contract: plain records, the store protocols, store errors and the rules every store shares.
        .target(
            name: "StoreCore",
            dependencies: ["PipelineModel", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The embedded store: a SQLite file and content-addressed artifact files in the state folder (GRDB).
        .target(
            name: "StoreSQLite",
            dependencies: ["StoreCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]
        ),
        // A team's store: one PostgreSQL database shared by shells and engines on several machines (postgres-nio).
        .target(
            name: "StorePostgres",
            dependencies: [
                "StoreCore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Child processes: command lists in their own process groups, timeouts, logs, secret masking, git.
        .target(
            name: "StageRunner",
            dependencies: [
                "PipelineModel", "CProcessPriority",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Delivers notifications from a store's outbox: signed webhooks (async-http-client) and commands.
        .target(
            name: "Notifications",
            dependencies: [
                "PipelineModel", "StoreCore", "StageRunner",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The engine: applies the scheduler's decisions to a store and runs the tasks they start.
        .target(
            name: "PipelineEngine",
            dependencies: ["PipelineModel", "StoreCore", "StoreSQLite", "StageRunner", "Notifications"]
        ),
        // The shell: tokenizer, command table, one handler per command, completion, prompt and renderers.
        .target(
            name: "Shell",
            dependencies: [
                "PipelineModel", "PipelineConfig", "StoreCore", "StoreSQLite", "StorePostgres", "PipelineEngine",
                "StageRunner", "LineEditor", "CTerminal", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Feeds generated command lines and pipeline files to the parser and the loader.
        .executableTarget(
            name: "cdsh-fuzz", dependencies: ["Shell", "PipelineConfig"]),
        // main: argument parsing and wiring; nothing else.
        .executableTarget(
            name: "cdsh",
            dependencies: [
                "Shell", "LineEditor", "PipelineModel", "PipelineEngine", "StoreSQLite", "StorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildCommit"]
        ),
        // Records the git commit a build comes from, for `cdsh --version`.
        .plugin(name: "BuildCommit", capability: .buildTool()),
        // Test doubles and fixtures shared by the test targets: git projects, a fake launcher, a PostgreSQL cluster.
        .target(name: "TestSupport", dependencies: ["PipelineModel", "StageRunner"], path: "Tests/TestSupport"),
        .testTarget(name: "PipelineModelTests", dependencies: ["PipelineModel"]),
        .testTarget(name: "PipelineConfigTests", dependencies: ["PipelineConfig", "PipelineModel"]),
        .testTarget(name: "StoreSQLiteTests", dependencies: ["StoreSQLite", "StoreCore", "PipelineModel",
                                                           .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "StoreContractTests",
                    dependencies: ["StoreCore", "StoreSQLite", "StorePostgres", "PipelineModel", "TestSupport",
                                   .product(name: "PostgresNIO", package: "postgres-nio")]),
        .testTarget(name: "StageRunnerTests", dependencies: ["StageRunner", "PipelineModel", "TestSupport"]),
        .testTarget(name: "PipelineEngineTests",
                    dependencies: ["PipelineEngine", "StoreCore", "StoreSQLite", "PipelineModel", "StageRunner", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        .testTarget(name: "ShellTests",
                    dependencies: ["Shell", "PipelineEngine", "StoreCore", "StoreSQLite", "StageRunner", "PipelineModel", "TestSupport"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor"]),
    ],
    swiftLanguageModes: [.v6]
)
