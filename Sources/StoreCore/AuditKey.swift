import Crypto
import Foundation
import Synchronization

/// The key that seals each audit entry: an HMAC-SHA256 of the entry's hash, kept in a file outside the database
/// (mode 0600). Someone who can write the database but not read the key cannot append an entry the engine will
/// accept, so a forged decision, pass or artifact list cannot be added at the head of the chain.
public struct AuditKey: Sendable {
    let key: SymmetricKey

    /// The seal `hash` carries under this key.
    public func seal(_ hash: String) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Data(hash.utf8), using: key))
    }

    private static let loaded = Mutex<[String: AuditKey]>([:])

    /// The key in the file at `path` (32 bytes or more), made there first when `creating` and there is none;
    /// nil when there is no usable key.
    static func load(_ path: String, creating: Bool) -> AuditKey? {
        if let known = loaded.withLock({ $0[path] }) { return known }
        if creating, !FileManager.default.fileExists(atPath: path) { make(path) }
        guard let data = FileManager.default.contents(atPath: path), data.count >= 32 else { return nil }
        let key = AuditKey(key: SymmetricKey(data: data))
        loaded.withLock { $0[path] = key }
        return key
    }

    /// Writes 32 random bytes to `path` unless another process made it first (a hard link never replaces a file).
    private static func make(_ path: String) {
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        if written == bytes.count { _ = link(temporary, path) }
        unlink(temporary)
    }
}
