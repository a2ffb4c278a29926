import Foundation
import GRDB
import PipelineModel
import StoreCore
@testable import StoreSQLite
import Synchronization
import Testing

/// What every command and every settle reads stays on indexes as the history grows: a condition the partial
/// index did not match made `status` read all 10,000 versions of a long history (docs/benchmarks.md, figure 4).
struct QueryPlanTests {
    let folder = NSTemporaryDirectory() + "cdsh-plans-\(UUID().uuidString.prefix(8))"

    /// Tables whose rows stay few whatever the history: reading them whole is fine.
    static let smallTables: Set<String> = ["lease", "engine", "sqlite_master", "grdb_migrations"]
    /// Indexes of the rows still in flight only.
    static let partialIndexes: Set<String> = ["version_unsettled", "task_running"]

    @Test func theShellsAndTheSchedulersReadsNeverWalkTheHistory() async throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try SQLiteStore(folder: folder)
        let tests = StoreTests()
        for commit in ["a1", "b2", "c3"] {
            _ = try await tests.submit(store, commit: String(repeating: commit, count: 8))
            try await tests.drive(store)
        }
        _ = try await tests.submit(store, commit: String(repeating: "d4", count: 8))  // in flight while traced
        let statements = Mutex<[String]>([])
        try await store.database.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { statements.withLock { $0.append(statement.expandedSQL) } }
            }
        }
        let launched = try await store.advance(maxRunningTasks: 8, now: 300, probing: false).launches
        #expect(!launched.isEmpty, "the settle started the new version's build")
        for launch in launched {
            try await store.recordTaskFinished(taskID: launch.task.id!, state: .passed, exitCode: 0, reason: nil,
                                               artifacts: [], logPath: nil, now: 301)
        }
        _ = try await store.advance(maxRunningTasks: 8, now: 302, probing: false)
        _ = try await store.versions(limit: 20)
        // What `status` asks for: 20 versions (with fewer ids SQLite plans differently).
        _ = try await store.details(of: Array(1...20), artifacts: true)
        _ = try await store.currentDeploys()
        _ = try await store.hasPendingWork()
        _ = try await store.counts(recent: 20)
        _ = try await store.deliveryFacts(since: 200, environment: "production")  // `stats`, `report`
        _ = try await store.newestAuditEntries(20)  // `report`
        try await store.database.writer.writeWithoutTransaction { db in db.trace(options: .statement, nil) }

        let traced = statements.withLock { $0 }.filter { sql in
            let head = sql.trimmingCharacters(in: .whitespacesAndNewlines).prefix(6).uppercased()
            return ["SELECT", "UPDATE", "INSERT", "DELETE", "WITH"].contains { head.hasPrefix($0) }
        }
        #expect(traced.count >= 10, "the trace saw the store's statements: \(traced)")
        for sql in traced {
            let plan = try await store.database.writer.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(sql)").map { $0["detail"] as String }
            }
            // A walk from the newest row that a LIMIT ends (`status`'s recent versions, the audit's last entry)
            // reads only those rows; so does the scan of such a walk's result by its alias.
            let newestFirst = sql.contains("ORDER BY id DESC LIMIT")
            let walks = plan.filter { detail in
                // A bare scan, or a walk of a whole index (a partial index holds only the rows in flight).
                guard let match = detail.wholeMatch(of: #/SCAN (?:TABLE )?(\w+)(?: USING (?:COVERING )?INDEX (\w+))?/#)
                else { return false }
                let table = String(match.1)
                if let index = match.2, Self.partialIndexes.contains(String(index)) { return false }
                let limited = newestFirst && (sql.contains("FROM \(table) ") || table.count == 1)
                return !Self.smallTables.contains(table) && !limited
            }
            #expect(walks.isEmpty, "\(sql)\nreads a whole table: \(plan)")
            // Reading given versions through the index on state alone goes through every attempt of the history in
            // that state (every passed one, for a version's artifacts).
            if sql.range(of: #"version_id IN \(\d"#, options: .regularExpression) != nil {
                #expect(!plan.contains { $0.contains("attempt_state") }, "\(sql)\nreads attempts by state: \(plan)")
            }
        }
    }
}
