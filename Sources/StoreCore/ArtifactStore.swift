import Crypto
import Foundation
import PipelineModel

/// Content-addressed artifact files under `artifacts/sha256/` in a folder, each stored once: the embedded store's
/// artifacts, and each machine's cache of a team's.
public struct ArtifactStore: Sendable {
    public let root: String
    static let chunkSize = 1 << 20

    /// The store rooted at `stateFolder/artifacts`.
    public init(stateFolder: String) {
        root = (stateFolder as NSString).appendingPathComponent("artifacts/sha256")
    }

    public func remove(digests: Set<String>, unusedFor recentSeconds: Double, dryRun: Bool) async throws -> (count: Int, bytes: Int64) {
        let cutoff = Date().timeIntervalSince1970 - recentSeconds
        var count = 0, bytes: Int64 = 0
        for digest in digests.sorted() {
            let path = blobPath(digest)
            var info = stat()
            guard lstat(path, &info) == 0, Double(info.st_mtim.tv_sec) < cutoff else { continue }
            if !dryRun {
                guard unlink(path) == 0 else { throw ArtifactError.unwritable(path: path, errno: errno) }
            }
            count += 1
            bytes += Int64(info.st_size)
        }
        return (count, bytes)
    }

    /// Where the blob with `digest` lives.
    public func blobPath(_ digest: String) -> String {
        "\(root)/\(digest.prefix(2))/\(digest)"
    }

    /// Hashes the file in one streaming pass and moves it into the store (a rename, never a second copy).
    /// Returns its digest and size.
    public func ingest(fileAt path: String) throws -> (sha256: String, size: Int64) {
        let (digest, size) = try Self.hash(fileAt: path, copyingTo: nil)
        CrashPoint.artifactIngest.reach()
        let target = blobPath(digest)
        let manager = FileManager.default
        try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                    withIntermediateDirectories: true)
        var existing = stat()
        if lstat(target, &existing) == 0 {
            // Marked used before it is checked, so a `gc` deciding now leaves it alone; gone after the check means a
            // `gc` took it meanwhile, and the fresh bytes are stored again.
            utimes(target, nil)
            if check(path: path, digest: digest) == nil, lstat(target, &existing) == 0 {
                try manager.removeItem(atPath: path)
                return (digest, size)
            }
            try? manager.removeItem(atPath: target)  // a damaged copy: the fresh bytes of the same digest replace it
        }
        if rename(path, target) != 0 {
            _ = try Self.hash(fileAt: path, copyingTo: target)
            try manager.removeItem(atPath: path)
        }
        utimes(target, nil)  // a reproducible build keeps an old file time: stored now is used now
        chmod(target, 0o444)
        return (digest, size)
    }

    /// Re-hashes the stored blob while copying it to `destination`; throws when it is missing or differs.
    public func verifiedCopy(path: String, digest: String, to destination: String) throws {
        let source = blobPath(digest)
        guard FileManager.default.fileExists(atPath: source) else { throw ArtifactError.missing(path: path, digest: digest) }
        try FileManager.default.createDirectory(atPath: (destination as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let actual = try Self.hash(fileAt: source, copyingTo: destination).sha256
        if actual != digest {
            try? FileManager.default.removeItem(atPath: destination)
            throw ArtifactError.mismatch(path: path, expected: digest, actual: actual)
        }
    }

    /// Re-hashes a stored blob: nil when it matches, else why not.
    public func check(path: String, digest: String) -> ArtifactError? {
        let source = blobPath(digest)
        var info = stat()
        guard lstat(source, &info) == 0 else { return .missing(path: path, digest: digest) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            return .unreadable(path: path, reason: "the stored blob is not a regular file")
        }
        do {
            let actual = try Self.hash(fileAt: source, copyingTo: nil).sha256
            return actual == digest ? nil : .mismatch(path: path, expected: digest, actual: actual)
        } catch let error as ArtifactError {
            return error
        } catch {
            return .unreadable(path: path, reason: ErrorText.describe(error))
        }
    }

    /// SHA-256 of bytes in memory, as lowercase hex.
    public static func hash(_ data: Data) -> String {
        Hex.string(SHA256.hash(data: data))
    }

    /// SHA-256 of a file in one pass, optionally writing the bytes read to `destination`.
    public static func hash(fileAt path: String, copyingTo destination: String?) throws -> (sha256: String, size: Int64) {
        // Non-blocking so a FIFO put in a file's place cannot hang the engine; then only regular files are read.
        let input = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        guard input >= 0 else { throw ArtifactError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ArtifactError.unreadable(path: path, reason: "not a regular file")
        }
        var output: Int32 = -1
        if let destination {
            output = open(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard output >= 0 else {
                throw ArtifactError.unreadable(path: destination, reason: String(cString: strerror(errno)))
            }
        }
        defer { if output >= 0 { close(output) } }
        var hasher = SHA256()
        var size: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(input, buffer.baseAddress, chunkSize)
            if count < 0 { throw ArtifactError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: chunk)
            size += Int64(count)
            if output >= 0 {
                var written = 0
                while written < count {
                    let result = write(output, chunk.baseAddress! + written, count - written)
                    if result < 0 {
                        let code = errno
                        unlink(destination!)
                        throw ArtifactError.unwritable(path: destination!, errno: code)
                    }
                    written += result
                }
            }
        }
        return (Hex.string(hasher.finalize()), size)
    }
}
