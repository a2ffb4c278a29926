import PipelineModel

/// The checks before a version's task runs, and before `verify` vouches for its artifacts (`VersionTrust`).
extension SQLStore {
    public func trustProblem(of version: VersionRecord, artifacts: [ArtifactRecord]?) async throws -> String? {
        let witnessed = auditWitness?.read()
        let (entries, decisions, attempts) = try await transaction(.read) { connection in
            let first = try await connection.queryOne("SELECT MIN(id) AS first FROM audit WHERE version_id = \(version.id)")?
                .optionalInt64("first")
            let from = [first, witnessed?.id].compactMap { $0 }.min() ?? Int64.max
            let entries = try await connection.query("""
                SELECT \(unescaped: AuditEntry.columns) FROM audit WHERE id >= \(from) OR id = (SELECT MAX(id) FROM audit)
                ORDER BY id
                """).map(AuditEntry.init)
            let decisions = try await connection.query("""
                SELECT \(unescaped: DecisionRecord.columns) FROM decision WHERE version_id = \(version.id) ORDER BY id
                """).map(DecisionRecord.init)
            let attempts = try await connection.query("""
                SELECT \(unescaped: AttemptRecord.columns) FROM attempt WHERE version_id = \(version.id) ORDER BY id
                """).map(AttemptRecord.init)
            return (entries, decisions, attempts)
        }
        return VersionTrust.problem(version: version, artifacts: artifacts, decisions: decisions,
                                    commitStage: try version.plan().stages.first?.name ?? "", entries: entries, witnessed: witnessed,
                                    key: auditWitness?.key(), attempts: attempts)
    }

    public func refuseUntrusted(versionID: Int64, taskID: Int64, reason: String, now: Double) async throws {
        try await transaction(.write) { connection in
            try await Self.appendAudit(connection, at: now, who: "engine", action: "refused-tampered", versionID: versionID,
                                       detail: ["task": String(taskID), "reason": reason])
        }
    }

    public func auditCheck() async throws -> AuditCheck {
        // The witness first: whatever it names was committed before the snapshot below begins.
        let witnessed = auditWitness?.read()
        let (entries, versions, built, artifacts, decisions, attempts) = try await transaction(.read) { connection in
            let entries = try await connection.query("SELECT \(unescaped: AuditEntry.columns) FROM audit ORDER BY id")
                .map(AuditEntry.init)
            let versions = try await connection.query("SELECT \(unescaped: VersionRecord.columns) FROM version ORDER BY id")
                .map(VersionRecord.init)
            let built = Set(try await connection.query(
                "SELECT DISTINCT version_id FROM attempt WHERE stage_index = 0 AND state = 'passed'").map { try $0.int64("version_id") })
            let decisions = try await connection.query("SELECT \(unescaped: DecisionRecord.columns) FROM decision ORDER BY id")
                .map(DecisionRecord.init)
            let attempts = try await connection.query("SELECT \(unescaped: AttemptRecord.columns) FROM attempt ORDER BY id")
                .map(AttemptRecord.init)
            return (entries, versions, built, try await Self.artifacts(ofVersions: Array(built), connection), decisions,
                    attempts)
        }
        let entriesByVersion = Dictionary(grouping: entries.filter { $0.versionID != nil }) { $0.versionID! }
        let artifactsByVersion = Dictionary(grouping: artifacts, by: \.versionID)
        let decisionsByVersion = Dictionary(grouping: decisions, by: \.versionID)
        let attemptsByVersion = Dictionary(grouping: attempts, by: \.versionID)
        var found: [(versionID: Int64, problem: String)] = []
        for version in versions {
            let id = version.id!
            let commitStage = (try? version.plan().stages.first?.name) ?? nil
            guard let commitStage else {
                found.append((id, "v\(id)'s frozen plan cannot be read"))
                continue
            }
            if let problem = VersionTrust.recordProblem(
                version: version, artifacts: built.contains(id) ? artifactsByVersion[id] ?? [] : nil,
                decisions: decisionsByVersion[id] ?? [], commitStage: commitStage, versionEntries: entriesByVersion[id] ?? [],
                attempts: attemptsByVersion[id] ?? []) {
                found.append((id, problem))
            }
        }
        return AuditCheck(entries: entries, witnessed: witnessed, key: auditWitness?.key(), untrusted: found)
    }
}
