import PipelineModel
import StoreCore
import Testing

/// What `stats` and `report` read for a window, alike from both stores, at each edge of the window: a deploy that
/// ended exactly at its start, deploys still running that started inside or before it, an old version still in
/// flight, rollbacks just inside and just outside it, and another environment's deploy.
struct DeliveryFactsContractTests {
    static let since = 10_000.0

    /// A version submitted at `submitted` (settled unless `inFlight`), with one production-stage attempt whose deploy
    /// to `environment` started at `deployStarted` and ended at `deployEnded` (none when nil).
    private func version(_ store: any SQLStore, submitted: Double, inFlight: Bool = false, environment: String = "production",
                         deployStarted: Double? = nil, deployEnded: Double? = nil) async throws -> Int64 {
        let version = try await store.submit(try VersionLedgerContractTests.version(String(format: "%010.0f", submitted),
                                                                                    at: submitted),
                                             auditAction: "submit", detail: [:])
        let id = try #require(version.id)
        try await store.transaction(.write) { connection in
            if !inFlight { _ = try await connection.execute("UPDATE version SET settled = TRUE WHERE id = \(id)") }
            guard let deployStarted else { return }
            let attempt = try #require(try await connection.queryOne("""
                INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, started_at, finished_at)
                VALUES (\(id), 1, 'production', 1, 'passed', \(deployStarted - 1), \(deployStarted), \(deployEnded))
                RETURNING id
                """)?.int64("id"))
            let task = try #require(try await connection.queryOne("""
                INSERT INTO task (attempt_id, kind, name, environment, state, started_at, finished_at)
                VALUES (\(attempt), 'deploy', 'deploy', \(environment), 'passed', \(deployStarted), \(deployEnded))
                RETURNING id
                """)?.int64("id"))
            _ = try await connection.execute("""
                INSERT INTO deploy (environment, version_id, attempt_id, task_id, artifacts_json, script_digest, who,
                                    started_at, finished_at, result)
                VALUES (\(environment), \(id), \(attempt), \(task), '{}', 's', 'ops', \(deployStarted), \(deployEnded),
                        \(deployEnded == nil ? "running" : "passed"))
                """)
        }
        return id
    }

    private func rollback(_ store: any SQLStore, of version: Int64, to environment: String, at created: Double) async throws {
        try await store.transaction(.write) { connection in
            _ = try await connection.execute("""
                INSERT INTO attempt (version_id, stage_index, stage, number, state, created_at, environment)
                VALUES (\(version), \(AttemptState.deployOnlyStage), 'rollback', \(Int(created)), 'queued', \(created),
                        \(environment))
                """)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aWindowReadsItsOwnRowsAtEachEdge(_ kind: StoreKind) async throws {
        let (made, remove) = try await kind.make()
        defer { remove() }
        let store = try #require(made as? any SQLStore)
        let endedAtStart = try await version(store, submitted: 1_000, deployStarted: 9_990, deployEnded: 10_000)
        let endedBefore = try await version(store, submitted: 2_000, deployStarted: 9_900, deployEnded: 9_999)
        let runningInside = try await version(store, submitted: 3_000, deployStarted: 10_500)
        _ = try await version(store, submitted: 4_000, deployStarted: 9_000)  // still running, started before
        let inFlight = try await version(store, submitted: 5_000, inFlight: true)
        let submittedInside = try await version(store, submitted: 11_000)
        _ = try await version(store, submitted: 500, environment: "staging", deployStarted: 10_100, deployEnded: 10_200)
        try await rollback(store, of: endedBefore, to: "production", at: 10_100)
        try await rollback(store, of: endedBefore, to: "production", at: 9_900)
        try await rollback(store, of: endedBefore, to: "staging", at: 10_200)

        let facts = try await store.deliveryFacts(since: Self.since, environment: "production")
        #expect(facts.versions.map(\.id) == [endedAtStart, runningInside, inFlight, submittedInside])
        #expect(facts.deploys.map(\.versionID) == [endedAtStart, runningInside])
        #expect(facts.versions.first?.commitID == "0000001000" && facts.versions.first?.submittedAt == 1_000)
        let rollbacks = facts.attempts.filter(\.isDeployOnly)
        #expect(rollbacks.map(\.createdAt) == [10_100], "production's rollback in the window only")
        #expect(Set(facts.attempts.filter { !$0.isDeployOnly }.map(\.versionID)) == [endedAtStart, runningInside])
    }
}
