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
    ],
    targets: [
        .target(name: "PipelineModel"),
        .systemLibrary(name: "CLibedit", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "CTerminal"),
        .target(name: "LineEditor", dependencies: ["CLibedit"]),
        .target(
            name: "PipelineConfig",
            dependencies: ["PipelineModel", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "PipelineStore",
            dependencies: [
                "PipelineModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "StageRunner",
            dependencies: [
                "PipelineModel",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "PipelineEngine",
            dependencies: ["PipelineModel", "PipelineStore", "StageRunner"]
        ),
        .target(
            name: "Shell",
            dependencies: [
                "PipelineModel", "PipelineConfig", "PipelineStore", "PipelineStorePostgres", "PipelineEngine",
                "StageRunner", "LineEditor", "CTerminal", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "PipelineStorePostgres",
            dependencies: [
                "PipelineModel", "PipelineStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "cdsh-fuzz", dependencies: ["Shell", "PipelineConfig"]),
        .executableTarget(
            name: "cdsh",
            dependencies: [
                "Shell", "LineEditor", "PipelineStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["PipelineModel", "PipelineEngine", "StageRunner"], path: "Tests/TestSupport"),
        .testTarget(name: "PipelineModelTests", dependencies: ["PipelineModel"]),
        .testTarget(name: "PipelineConfigTests", dependencies: ["PipelineConfig", "PipelineModel"]),
        .testTarget(name: "PipelineStoreTests", dependencies: ["PipelineStore", "PipelineModel"]),
        .testTarget(name: "StoreContractTests",
                    dependencies: ["PipelineStore", "PipelineStorePostgres", "PipelineModel", "TestSupport"]),
        .testTarget(name: "StageRunnerTests", dependencies: ["StageRunner", "PipelineModel", "TestSupport"]),
        .testTarget(name: "PipelineEngineTests", dependencies: ["PipelineEngine", "PipelineStore", "PipelineModel", "StageRunner", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        .testTarget(name: "ShellTests", dependencies: ["Shell", "TestSupport"]),
        .testTarget(name: "LineEditorTests", dependencies: ["LineEditor"]),
    ],
    swiftLanguageModes: [.v6]
)
