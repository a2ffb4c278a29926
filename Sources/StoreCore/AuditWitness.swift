import Foundation
import Synchronization

/// The newest entry of the audit chain a machine saw: its id and hash, and from which entry on the chain carries
/// seals (`AuditKey`), when it does.
public struct AuditHead: Sendable, Equatable {
    public var id: Int64
    public var hash: String
    public var sealedFrom: Int64?

    public init(id: Int64, hash: String, sealedFrom: Int64? = nil) {
        self.id = id
        self.hash = hash
        self.sealedFrom = sealedFrom
    }
}

/// What `audit --verify` checks, read at one moment: the chain, the head this machine witnessed before reading it,
/// and the versions whose rows differ from the chain, with why.
public struct AuditCheck: Sendable {
    public var entries: [AuditEntry]
    public var witnessed: AuditHead?
    /// The key entries are sealed with, when this store seals.
    public var key: AuditKey?
    public var untrusted: [(versionID: Int64, problem: String)]
}

/// The audit chain's head as this machine last appended it, kept in a file outside the database (mode 0600), so
/// that deleting the newest entries or recomputing the chain is detected: the witnessed entry must still exist
/// with the witnessed hash. Written after every commit that appended (`witnessing`), never moved backwards.
/// docs/reliability.md ("Tamper evidence") says what it protects against and what it does not.
public struct AuditWitness: Sendable {
    /// The witness file.
    public let path: String
    /// The key that seals each entry (`AuditKey`), if this store seals.
    public let keyPath: String?
    /// Whether an append makes the key when there is none yet (the embedded store's own key; a team's is shared
    /// and made by the team).
    let createsKey: Bool

    public init(path: String, keyPath: String? = nil, createsKey: Bool = false) {
        self.path = path
        self.keyPath = keyPath
        self.createsKey = createsKey
    }

    /// The key entries are sealed with, made first when this store makes its own; nil when there is none.
    public func key(creating: Bool = false) -> AuditKey? {
        keyPath.flatMap { AuditKey.load($0, creating: creating && createsKey) }
    }

    /// The head this machine witnessed, or nil when it witnessed none (a new machine, a state folder from before
    /// witnesses) or the file cannot be read.
    public func read() -> AuditHead? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 3 || fields.count == 4, fields[0] == "cdsh-audit-head", let id = Int64(fields[1]),
              fields[2].count == 64 else { return nil }
        return AuditHead(id: id, hash: String(fields[2]), sealedFrom: fields.count == 4 ? Int64(fields[3]) : nil)
    }

    /// Records `head` unless the file already holds a newer one; under an exclusive lock, so processes appending
    /// at once leave the newest. A failure (a read-only folder, a full disk) leaves the older witness: weaker,
    /// never wrong.
    public func advance(to head: AuditHead) {
        let folder = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { return }
        let current = read()
        if let current, current.id >= head.id { return }
        let sealedFrom = current?.sealedFrom ?? head.sealedFrom
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        let text = Array("cdsh-audit-head \(head.id) \(head.hash)\(sealedFrom.map { " \($0)" } ?? "")\n".utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        if written == text.count, rename(temporary, path) == 0 { return }
        unlink(temporary)
    }

    /// What a chain whose newest entry is `last` (nil: empty) and whose entry with the witnessed id is
    /// `atWitnessedID` (nil: absent) says about `witnessed`: nil when it still holds, else what was done to it.
    public static func problem(witnessed: AuditHead, last: AuditHead?, atWitnessedID: AuditHead?) -> String? {
        guard let last, last.id >= witnessed.id else {
            return "its newest entries were deleted: this machine witnessed entry #\(witnessed.id), "
                + "the log ends at #\(last.map { String($0.id) } ?? "0 (empty)")"
        }
        guard let found = atWitnessedID else {
            return "entry #\(witnessed.id), which this machine witnessed, was deleted"
        }
        guard found.hash == witnessed.hash else {
            return "the chain was rewritten: entry #\(witnessed.id) no longer has the hash this machine witnessed "
                + "(\(witnessed.hash.prefix(12)), now \(found.hash.prefix(12)))"
        }
        return nil
    }

    /// The head a transaction appended, noted by the store core's audit append and read once it committed.
    public final class Appended: Sendable {
        /// Where the head is witnessed: read again by each append, under the audit lock.
        let witness: AuditWitness
        /// The key each append seals its entry with.
        let key: AuditKey?
        private let state = Mutex<(head: AuditHead?, continues: Bool, firstSealed: Int64?)>((nil, true, nil))

        init(witness: AuditWitness) {
            self.witness = witness
            key = witness.key(creating: true)
        }

        /// Notes an appended entry; `continuing` says whether the chain it extends still holds the witnessed head.
        func note(_ appended: AuditHead, continuing: Bool, sealed: Bool) {
            state.withLock {
                $0 = ($0.continues ? appended : $0.head, $0.continues && continuing,
                      $0.firstSealed ?? (sealed ? appended.id : nil))
            }
        }

        /// Forgets what a transaction that then rolled back noted: it is run again, and only what commits counts.
        public func forget() {
            state.withLock { $0 = (nil, true, nil) }
        }

        var head: AuditHead? {
            state.withLock { state in
                state.head.map { AuditHead(id: $0.id, hash: $0.hash, sealedFrom: state.firstSealed) }
                    .flatMap { state.continues ? $0 : nil }
            }
        }
    }

    @TaskLocal public static var appended: Appended?

    /// Runs one transaction of a store (`body` commits or throws) and then witnesses the head it appended, if
    /// any: every store's `transaction` runs through this, so no append goes unwitnessed. An append to a chain
    /// that no longer holds the witnessed head (entries deleted, the chain recomputed) leaves the witness where
    /// it was, so the damage stays detectable.
    public static func witnessing<Result>(
        _ witness: AuditWitness?, _ body: () async throws -> Result
    ) async rethrows -> Result {
        guard let witness else { return try await body() }
        let box = Appended(witness: witness)
        let result = try await $appended.withValue(box) { try await body() }
        if let head = box.head { witness.advance(to: head) }
        return result
    }
}
