import Crypto
import Foundation

/// One entry of the append-only, hash-chained decision log.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var id: Int64?
    public var at: Double
    public var who: String
    public var action: String
    public var versionID: Int64?
    /// JSON object with sorted keys.
    public var detail: String
    public var previousHash: String
    public var hash: String
    /// HMAC-SHA256 of `hash` under the key kept outside the database (`AuditWitness`); nil for entries appended
    /// before the key existed, or by a machine without it.
    public var seal: String?

    public init(
        id: Int64? = nil, at: Double, who: String, action: String, versionID: Int64?, detail: String, previousHash: String,
        hash: String
    ) {
        self.id = id
        self.at = at
        self.who = who
        self.action = action
        self.versionID = versionID
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// Appends to and checks the audit log. Each entry's hash covers its fields and the previous entry's hash.
public enum AuditLog {
    /// The previous hash of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The entry that follows one whose hash is `previous`, with its own hash; every store appends these.
    public static func entry(
        at: Double, who: String, action: String, versionID: Int64?, detail: [String: String], previous: String
    ) throws -> AuditEntry {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let detailText = String(decoding: try encoder.encode(detail), as: UTF8.self)
        var entry = AuditEntry(at: at, who: who, action: action, versionID: versionID, detail: detailText,
                               previousHash: previous, hash: "")
        entry.hash = digest(of: entry)
        return entry
    }

    /// The hash an entry must carry given its fields and previous hash.
    public static func digest(of entry: AuditEntry) -> String {
        let version = entry.versionID.map(String.init) ?? "-"
        let text = [entry.previousHash, String(format: "%.6f", entry.at), entry.who, entry.action, version, entry.detail]
            .joined(separator: "\u{1F}")
        return Hex.string(SHA256.hash(data: Data(text.utf8)))
    }

    /// The id of the first entry whose hash or link is wrong, or nil when the chain holds. `entries` is the whole
    /// chain, or (with `fromGenesis` false) a contiguous part of it whose first entry's link is not checked.
    public static func firstBrokenEntry(in entries: [AuditEntry], fromGenesis: Bool = true) -> Int64? {
        var previous = fromGenesis ? genesis : entries.first?.previousHash ?? genesis
        for entry in entries {
            if entry.previousHash != previous || digest(of: entry) != entry.hash { return entry.id }
            previous = entry.hash
        }
        return nil
    }

    /// What is wrong with the chain (`entries`, as for `firstBrokenEntry`) given the head this machine
    /// witnessed and the key it seals with: an entry changed, removed or inserted; its newest entries deleted; the
    /// chain recomputed; an entry appended without the key. Nil when it holds.
    public static func problem(
        in entries: [AuditEntry], fromGenesis: Bool, witnessed: AuditHead?, key: AuditKey? = nil
    ) -> String? {
        if let broken = firstBrokenEntry(in: entries, fromGenesis: fromGenesis) {
            return "its hash chain breaks at entry #\(broken)"
        }
        if let key {
            // Sealed from the first entry the witness says was sealed (or the first sealed one seen): every entry
            // from there on carries this key's seal.
            let sealedFrom = witnessed?.sealedFrom ?? entries.first { $0.seal != nil }?.id ?? Int64.max
            if let unsealed = entries.first(where: { ($0.id ?? 0) >= sealedFrom && $0.seal != key.seal($0.hash) }) {
                return "entry #\(unsealed.id ?? 0) does not carry this state's seal: it was written or changed outside cdsh"
            }
        }
        guard let witnessed else { return nil }
        return AuditWitness.problem(witnessed: witnessed, last: entries.last.map(\.head),
                                    atWitnessedID: entries.first { $0.id == witnessed.id }?.head)
    }
}
