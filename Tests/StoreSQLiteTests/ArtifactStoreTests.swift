import Foundation
import StoreCore
import Testing

/// Content-addressed blobs on a real file system.
struct ArtifactStoreTests {
    let folder = NSTemporaryDirectory() + "cdsh-blobs-\(UUID().uuidString.prefix(8))"

    func makeFile(_ text: String) throws -> String {
        try FileManager.default.createDirectory(atPath: "\(folder)/work", withIntermediateDirectories: true)
        let path = "\(folder)/work/\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func ingestStoresOnceByDigestAndCopiesBackVerified() throws {
        let blobs = ArtifactStore(stateFolder: folder)
        let (digest, size) = try blobs.ingest(fileAt: try makeFile("hello\n"))
        #expect(digest == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(size == 6)
        let again = try blobs.ingest(fileAt: try makeFile("hello\n"))
        #expect(again.sha256 == digest)
        try blobs.verifiedCopy(path: "dist/a", digest: digest, to: "\(folder)/out/dist/a")
        #expect(try String(contentsOfFile: "\(folder)/out/dist/a", encoding: .utf8) == "hello\n")
        #expect(blobs.check(path: "dist/a", digest: digest) == nil)
    }

    @Test func aChangedOrMissingBlobFailsClosed() throws {
        let blobs = ArtifactStore(stateFolder: folder)
        let (digest, _) = try blobs.ingest(fileAt: try makeFile("release\n"))
        chmod(blobs.blobPath(digest), 0o644)
        try "tampered\n".write(toFile: blobs.blobPath(digest), atomically: false, encoding: .utf8)
        #expect(throws: ArtifactError.self) {
            try blobs.verifiedCopy(path: "dist/a", digest: digest, to: "\(folder)/out/a")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/out/a"), "no half-verified copy is left behind")
        if case .mismatch = blobs.check(path: "dist/a", digest: digest) {} else { Issue.record("expected a mismatch") }
        try FileManager.default.removeItem(atPath: blobs.blobPath(digest))
        if case .missing = blobs.check(path: "dist/a", digest: digest) {} else { Issue.record("expected missing") }
    }

    @Test func aFIFOOrFolderInABlobsPlaceFailsAtOnceInsteadOfHanging() throws {
        let blobs = ArtifactStore(stateFolder: folder)
        let (digest, _) = try blobs.ingest(fileAt: try makeFile("release\n"))
        try FileManager.default.removeItem(atPath: blobs.blobPath(digest))
        #expect(mkfifo(blobs.blobPath(digest), 0o600) == 0)
        #expect(throws: ArtifactError.self) {
            try blobs.verifiedCopy(path: "dist/a", digest: digest, to: "\(folder)/out/a")
        }
        try FileManager.default.removeItem(atPath: blobs.blobPath(digest))
        try FileManager.default.createDirectory(atPath: blobs.blobPath(digest), withIntermediateDirectories: false)
        #expect(throws: ArtifactError.self) {
            try blobs.verifiedCopy(path: "dist/a", digest: digest, to: "\(folder)/out/a")
        }
    }

    @Test func storingTheSameBytesAgainRepairsADamagedBlob() throws {
        let blobs = ArtifactStore(stateFolder: folder)
        let (digest, _) = try blobs.ingest(fileAt: try makeFile("release\n"))
        chmod(blobs.blobPath(digest), 0o644)
        try "tampered\n".write(toFile: blobs.blobPath(digest), atomically: false, encoding: .utf8)
        #expect(blobs.check(path: "a", digest: digest) != nil)
        _ = try blobs.ingest(fileAt: try makeFile("release\n"))
        #expect(blobs.check(path: "a", digest: digest) == nil)
        try blobs.verifiedCopy(path: "a", digest: digest, to: "\(folder)/out/a")
        #expect(try String(contentsOfFile: "\(folder)/out/a", encoding: .utf8) == "release\n")
    }
}
