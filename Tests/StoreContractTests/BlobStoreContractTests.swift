import Foundation
import StoreCore
import StorePostgres
import Testing
import TestSupport

/// Artifact blobs in the state folder and in PostgreSQL: stored once, copied out verified, damage refused.
struct BlobStoreContractTests {
    enum Kind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case files, postgres
        var testDescription: String { rawValue }
    }

    /// A store, a way to damage a stored blob, and what removes everything.
    struct Subject {
        var blobs: any BlobStore
        var damage: (String) async throws -> Void
        var remove: () -> Void
    }

    let folder = NSTemporaryDirectory() + "cdsh-blobs-\(UUID().uuidString.prefix(8))"

    func make(_ kind: Kind) async throws -> Subject {
        switch kind {
        case .files:
            let store = ArtifactStore(stateFolder: "\(folder)/state")
            return Subject(blobs: store, damage: { digest in
                chmod(store.blobPath(digest), 0o644)
                let handle = try #require(FileHandle(forWritingAtPath: store.blobPath(digest)))
                try handle.seek(toOffset: 5)
                try handle.write(contentsOf: Data("X".utf8))
                try handle.close()
            }, remove: { try? FileManager.default.removeItem(atPath: folder) })
        case .postgres:
            let url = try PostgresCluster.shared.get().freshDatabaseURL()
            let store = try await PostgresStore.open(try PostgresLocation(url: url))
            return Subject(blobs: PostgresBlobStore(store: store, cacheFolder: "\(folder)/cache"), damage: { digest in
                let result = try ProcessRunner.run("/usr/bin/psql", [url, "-q", "-c",
                    "UPDATE blob_chunk SET bytes = overlay(bytes placing '\\x58'::bytea from 6) WHERE digest = '\(digest)' AND seq = 0"])
                #expect(result.status == 0, "\(result.stderr)")
                try? FileManager.default.removeItem(atPath: "\(folder)/cache")
            }, remove: {
                store.close()
                try? FileManager.default.removeItem(atPath: folder)
            })
        }
    }

    func file(_ name: String, bytes: Data) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(folder)/work", withIntermediateDirectories: true)
        let path = "\(folder)/work/\(name)"
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    static let large = Data((0..<(2_500_000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })

    @Test(arguments: Kind.allCases)
    func blobsAreStoredOnceAndComeBackExactly(_ kind: Kind) async throws {
        let subject = try await make(kind)
        defer { subject.remove() }
        let (digest, size) = try await subject.blobs.ingest(fileAt: try file("big.bin", bytes: Self.large))
        #expect(size == Int64(Self.large.count))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/work/big.bin"), "the file is taken")
        let again = try await subject.blobs.ingest(fileAt: try file("copy.bin", bytes: Self.large))
        #expect(again.sha256 == digest)
        for round in 0..<2 {
            let out = "\(folder)/out\(round)/dist/big.bin"
            try await subject.blobs.verifiedCopy(path: "dist/big.bin", digest: digest, to: out)
            #expect(FileManager.default.contents(atPath: out) == Self.large)
        }
        let empty = try await subject.blobs.ingest(fileAt: try file("empty", bytes: Data()))
        try await subject.blobs.verifiedCopy(path: "empty", digest: empty.sha256, to: "\(folder)/out/empty")
        #expect(FileManager.default.contents(atPath: "\(folder)/out/empty") == Data())
    }

    @Test(arguments: Kind.allCases)
    func aDamagedOrMissingBlobIsRefusedAndLeavesNothing(_ kind: Kind) async throws {
        let subject = try await make(kind)
        defer { subject.remove() }
        let (digest, _) = try await subject.blobs.ingest(fileAt: try file("app.bin", bytes: Self.large))
        try await subject.damage(digest)
        let out = "\(folder)/damaged/app.bin"
        await #expect(throws: ArtifactError.self) {
            try await subject.blobs.verifiedCopy(path: "app.bin", digest: digest, to: out)
        }
        #expect(!FileManager.default.fileExists(atPath: out), "no half-verified copy")
        let unknown = String(repeating: "ab", count: 32)
        await #expect(throws: ArtifactError.missing(path: "x", digest: unknown)) {
            try await subject.blobs.verifiedCopy(path: "x", digest: unknown, to: "\(folder)/none/x")
        }
    }

    @Test func aDamagedLocalCacheIsFetchedAgainFromPostgreSQL() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let store = try await PostgresStore.open(try PostgresLocation(url: url))
        defer { store.close(); try? FileManager.default.removeItem(atPath: folder) }
        let blobs = PostgresBlobStore(store: store, cacheFolder: "\(folder)/cache")
        let (digest, _) = try await blobs.ingest(fileAt: try file("app.bin", bytes: Self.large))
        try await blobs.verifiedCopy(path: "app.bin", digest: digest, to: "\(folder)/first/app.bin")
        let cached = blobs.cache.blobPath(digest)
        chmod(cached, 0o644)
        try Data("not the artifact".utf8).write(to: URL(fileURLWithPath: cached))
        try await blobs.verifiedCopy(path: "app.bin", digest: digest, to: "\(folder)/second/app.bin")
        #expect(FileManager.default.contents(atPath: "\(folder)/second/app.bin") == Self.large)
        #expect(blobs.cache.check(path: "app.bin", digest: digest) == nil, "the cache holds the right bytes again")
    }
}
