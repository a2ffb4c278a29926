import GRDB
import StoreCore

/// The audit chain in the embedded store's `audit` table.
enum AuditAppend {
    /// Appends one entry inside the caller's transaction.
    @discardableResult
    static func append(
        _ db: Database, at: Double, who: String, action: String, versionID: Int64?, detail: [String: String]
    ) throws -> AuditEntry {
        let previous = try String.fetchOne(try db.cachedStatement(sql: "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"))
            ?? AuditLog.genesis
        var entry = try AuditLog.entry(at: at, who: who, action: action, versionID: versionID, detail: detail,
                                       previous: previous)
        try entry.insert(db)
        return entry
    }
}

extension SQLiteStore {
    /// Audit entries oldest first.
    public func auditEntries(versionID: Int64? = nil) throws -> [AuditEntry] {
        try pool.read { db in
            var request = AuditEntry.order(Column("id"))
            if let versionID { request = request.filter(Column("versionID") == versionID) }
            return try request.fetchAll(db)
        }
    }
}
