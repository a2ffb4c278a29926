import Crypto
import Foundation
import PipelineModel
import StoreCore
import PostgresNIO

/// Artifacts shared by every machine: stored once per SHA-256 in PostgreSQL as 1 MiB chunks, each with its own
/// digest, and copied out through a per-machine cache. Every copy is verified — each chunk and the whole — and
/// the cache is re-verified on every use, so neither a damaged row nor a damaged cache file reaches a deploy.
public struct PostgresBlobStore: BlobStore {
    let store: PostgresStore
    /// This machine's cache of blobs already fetched (`CACHE/sha256/ab/abcd…`).
    public let cache: ArtifactStore
    static let chunkSize = 1 << 20
    static let chunksPerRead = 8

    public init(store: PostgresStore, cacheFolder: String) {
        self.store = store
        cache = ArtifactStore(stateFolder: cacheFolder)
    }

    public func ingest(fileAt path: String) async throws -> (sha256: String, size: Int64) {
        let (digest, size) = try ArtifactStore.hash(fileAt: path, copyingTo: nil)
        CrashPoint.artifactIngest.reach()
        try await store.transaction { connection in
            try await PostgresStore.take(.blob, key: digest, connection)
            if try await !connection.query("SELECT 1 FROM blob WHERE digest = \(digest)").rows.isEmpty {
                try await connection.query("UPDATE blob SET used_at = EXTRACT(EPOCH FROM now()) WHERE digest = \(digest)")
                return
            }
            let chunks = Int((size + Int64(Self.chunkSize) - 1) / Int64(Self.chunkSize))
            try await connection.query("""
                INSERT INTO blob (digest, size, chunks, used_at)
                VALUES (\(digest), \(size), \(chunks), EXTRACT(EPOCH FROM now()))
                """)
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ArtifactError.unreadable(path: path, reason: "cannot open")
            }
            defer { try? handle.close() }
            var index = 0
            while let data = try handle.read(upToCount: Self.chunkSize), !data.isEmpty {
                let chunkDigest = Hex.string(SHA256.hash(data: data))
                try await connection.query("""
                    INSERT INTO blob_chunk (digest, seq, sha256, bytes) VALUES (\(digest), \(index), \(chunkDigest), \(data))
                    """)
                index += 1
            }
        }
        try? FileManager.default.removeItem(atPath: path)
        return (digest, size)
    }

    public func verifiedCopy(path: String, digest: String, to destination: String) async throws {
        if cache.check(path: path, digest: digest) == nil {
            try cache.verifiedCopy(path: path, digest: digest, to: destination)
            return
        }
        let fetched = "\(cache.root)/.fetch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: cache.root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: fetched) }
        try await fetch(path: path, digest: digest, into: fetched)
        _ = try cache.ingest(fileAt: fetched)
        try cache.verifiedCopy(path: path, digest: digest, to: destination)
    }

    /// Each blob goes in a transaction of its own under the lock `ingest` takes for it; "recent" is by the
    /// server's clock, the one `ingest` stamps with.
    public func remove(digests: Set<String>, unusedFor recentSeconds: Double, dryRun: Bool) async throws -> (count: Int, bytes: Int64) {
        var count = 0, bytes: Int64 = 0
        for digest in digests.sorted() {
            let size: Int64? = try await store.transaction { connection in
                try await PostgresStore.take(.blob, key: digest, connection)
                let size = try await connection.value("""
                    SELECT size FROM blob WHERE digest = \(digest) AND used_at < EXTRACT(EPOCH FROM now()) - \(recentSeconds)
                    """, as: Int64.self)
                guard let size, !dryRun else { return size }
                try await connection.query("DELETE FROM blob_chunk WHERE digest = \(digest)")
                try await connection.query("DELETE FROM blob WHERE digest = \(digest)")
                return size
            }
            if let size {
                count += 1
                bytes += size
            }
        }
        return (count, bytes)
    }

    /// Fetches the blob from PostgreSQL (not the cache) and checks every chunk, the count and the whole.
    public func check(path: String, digest: String) async -> ArtifactError? {
        let scratch = NSTemporaryDirectory() + "cdsh-verify-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            try await fetch(path: path, digest: digest, into: scratch)
            return nil
        } catch let error as ArtifactError {
            return error
        } catch {
            return .unreadable(path: path, reason: ErrorText.describe(error))
        }
    }

    /// Writes the chunks in order, checking each chunk's digest, the count and the whole digest, from one snapshot (a
    /// blob removed meanwhile is missing, not damaged); a fetch whose connection was lost starts again from the first
    /// chunk.
    private func fetch(path: String, digest: String, into file: String) async throws {
        try await store.snapshotRead { connection in try await fetch(path: path, digest: digest, into: file, connection) }
    }

    private func fetch(path: String, digest: String, into file: String, _ connection: StoreConnection) async throws {
        guard FileManager.default.createFile(atPath: file, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: file) else {
            throw ArtifactError.unreadable(path: file, reason: "cannot write the cache")
        }
        defer { try? handle.close() }
        guard let expectedChunks = try await connection.value("SELECT chunks FROM blob WHERE digest = \(digest)", as: Int.self)
        else { throw ArtifactError.missing(path: path, digest: digest) }
        var hasher = SHA256()
        var seen = 0
        // A few chunks per statement: an artifact is never held in memory whole.
        for first in stride(from: 0, to: max(expectedChunks, 1), by: Self.chunksPerRead) {
            let rows = try await connection.query("""
                SELECT seq, sha256, bytes FROM blob_chunk
                WHERE digest = \(digest) AND seq >= \(first) AND seq < \(first + Self.chunksPerRead) ORDER BY seq
                """).rows
            for row in rows {
                let (index, chunkDigest, bytes) = try row.decode((Int, String, ByteBuffer).self)
                let data = Data(bytes.readableBytesView)
                let actualChunk = Hex.string(SHA256.hash(data: data))
                guard index == seen, actualChunk == chunkDigest else {
                    throw ArtifactError.mismatch(path: path, expected: digest, actual: actualChunk)
                }
                hasher.update(data: data)
                try handle.write(contentsOf: data)
                seen += 1
            }
        }
        let actual = Hex.string(hasher.finalize())
        guard seen == expectedChunks else {
            throw ArtifactError.mismatch(path: path, expected: digest, actual: Hex.string(hasher.finalize()))
        }
        guard actual == digest else { throw ArtifactError.mismatch(path: path, expected: digest, actual: actual) }
    }
}
