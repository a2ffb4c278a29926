import Foundation
import PipelineModel
import StoreCore
import PostgresNIO

extension PostgresStore: VersionLedger {
    static let versionColumns = """
        id, commit_id, ref, priority, note, plan_json, plan_digest, source_path, pipeline_path, submitted_by,
        submitted_at, cancelled_at, settled
        """

    public func submit(_ version: VersionRecord, auditAction: String, detail: [String: String]) async throws -> VersionRecord {
        try await transaction { connection in
            let rows = try await connection.query("""
                INSERT INTO version (commit_id, ref, priority, note, plan_json, plan_digest, source_path, pipeline_path,
                                     submitted_by, submitted_at)
                VALUES (\(version.commitID), \(version.ref), \(version.priority.rawValue), \(version.note),
                        \(version.planJSON), \(version.planDigest), \(version.sourcePath), \(version.pipelinePath),
                        \(version.submittedBy), \(version.submittedAt))
                RETURNING id
                """, logger: logger)
            var inserted = version
            for try await id in rows.decode(Int64.self) { inserted.id = id }
            try await Self.appendAudit(connection, logger: logger, at: version.submittedAt, who: version.submittedBy,
                                       action: auditAction, versionID: inserted.id, detail: detail)
            return inserted
        }
    }

    public func version(_ id: Int64) async throws -> VersionRecord {
        guard let version = try await fetchVersions("SELECT \(unescaped: Self.versionColumns) FROM version WHERE id = \(id)").first else {
            throw StoreError.notFound("no version v\(id)")
        }
        return version
    }

    public func versions(limit: Int) async throws -> [VersionRecord] {
        try await fetchVersions("SELECT \(unescaped: Self.versionColumns) FROM version ORDER BY id DESC LIMIT \(limit)")
    }

    public func resolve(_ reference: String) async throws -> VersionRecord {
        switch try VersionReference.parse(reference) {
        case .latest:
            guard let latest = try await versions(limit: 1).first else { throw VersionReference.noVersionsYet }
            return latest
        case .number(let id):
            return try await version(id)
        case .commitPrefix(let prefix):
            let matches = try await fetchVersions(
                "SELECT \(unescaped: Self.versionColumns) FROM version WHERE commit_id LIKE \(prefix + "%") ORDER BY id")
            return try VersionReference.choose(matches, prefix: prefix)
        }
    }

    public func auditEntries(versionID: Int64?) async throws -> [AuditEntry] {
        let query: PostgresQuery = versionID.map {
            "SELECT id, at, who, action, version_id, detail, previous_hash, hash FROM audit WHERE version_id = \($0) ORDER BY id"
        } ?? "SELECT id, at, who, action, version_id, detail, previous_hash, hash FROM audit ORDER BY id"
        var entries: [AuditEntry] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, at, who, action, version, detail, previous, hash)
            in rows.decode((Int64, Double, String, String, Int64?, String, String, String).self) {
            entries.append(AuditEntry(id: id, at: at, who: who, action: action, versionID: version, detail: detail,
                                      previousHash: previous, hash: hash))
        }
        return entries
    }

    func fetchVersions(_ query: PostgresQuery) async throws -> [VersionRecord] {
        try await Self.versions(try await client.query(query, logger: logger))
    }

    static func fetchVersions(_ connection: PostgresConnection, _ logger: Logger, _ query: PostgresQuery) async throws -> [VersionRecord] {
        try await versions(try await connection.query(query, logger: logger))
    }

    static func versions(_ rows: PostgresRowSequence) async throws -> [VersionRecord] {
        var versions: [VersionRecord] = []
        for try await (id, commit, ref, priority, note, plan, digest, source, pipeline, who, at, cancelled, settled)
            in rows.decode((Int64, String, String, String, String?, String, String, String, String, String, Double,
                            Double?, Bool).self) {
            var version = VersionRecord(
                commitID: commit, ref: ref, priority: Priority(rawValue: priority) ?? .normal, note: note, planJSON: plan,
                planDigest: digest, sourcePath: source, pipelinePath: pipeline, submittedBy: who, submittedAt: at)
            version.id = id
            version.cancelledAt = cancelled
            version.settled = settled
            versions.append(version)
        }
        return versions
    }

    /// Appends to the hash chain inside the caller's transaction; an advisory lock orders appends from every
    /// engine and shell.
    static func appendAudit(
        _ connection: PostgresConnection, logger: Logger, at: Double, who: String, action: String, versionID: Int64?,
        detail: [String: String]
    ) async throws {
        try await take(.audit, connection, logger: logger)
        var previous = AuditLog.genesis
        for try await hash in try await connection.query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1", logger: logger)
            .decode(String.self) {
            previous = hash
        }
        let entry = try AuditLog.entry(at: at, who: who, action: action, versionID: versionID, detail: detail, previous: previous)
        try await connection.query("""
            INSERT INTO audit (at, who, action, version_id, detail, previous_hash, hash)
            VALUES (\(entry.at), \(entry.who), \(entry.action), \(entry.versionID), \(entry.detail), \(entry.previousHash),
                    \(entry.hash))
            """, logger: logger)
    }
}
