import Foundation
@testable import PostgresNIO
import StoreCore
@testable import StorePostgres
import Synchronization
import Testing
import TestSupport

/// Statements outside a transaction — a blob's chunks, a log chunk, a stored log, a heartbeat — whose connection an
/// administrator ends while they run (`pg_terminate_backend`, as a server restart or a failover does): each runs
/// again on a new connection and the caller never sees the cut.
@Suite(.serialized)
struct PostgresLostConnectionTests {
    let folder = NSTemporaryDirectory() + "cdsh-lost-\(UUID().uuidString.prefix(8))"

    /// Holds `table` locked in another session until a statement of this database waits for it, ends that
    /// statement's connection, and lets go: runs while `body` runs, so `body`'s statement is cut for sure.
    func cutting<Result: Sendable>(
        _ url: String, waitingOn table: String, _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let location = try PostgresLocation(url: url)
        let holder = try await PostgresConnection.connect(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil,
                                 database: location.database, tls: .disable),
            id: 1, logger: logger)
        do {
            try await holder.query("BEGIN", logger: logger)
            try await holder.query("LOCK TABLE \(unescaped: table) IN ACCESS EXCLUSIVE MODE", logger: logger)
            async let result = body()
            var cut = 0
            for _ in 0..<400 where cut == 0 {
                try await holder.query("SELECT pg_stat_clear_snapshot()", logger: logger)
                for try await _ in try await holder.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))
                    """, logger: logger) { cut += 1 }
                if cut == 0 { try await Task.sleep(for: .milliseconds(25)) }
            }
            try await holder.query("COMMIT", logger: logger)
            #expect(cut > 0, "a statement waited for \(table) and was cut")
            let value = try await result
            try await holder.close()
            return value
        } catch {
            try? await holder.close()
            throw error
        }
    }

    let logger = Logger(label: "cutting")

    /// postgres-nio drops the failure of a statement written to a connection that has already closed: its answer
    /// never comes. The store's statements fail as a lost connection instead (and so run again on a new one).
    @Test func aStatementOnAConnectionThatClosedFailsAsALostConnection() async throws {
        let location = try PostgresLocation(url: try PostgresCluster.shared.get().freshDatabaseURL())
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil,
                                 database: location.database, tls: .disable),
            id: 1, logger: logger)
        try await connection.close()
        let started = ContinuousClock.now
        await #expect(throws: ConnectionClosedUnderStatement.self) {
            try await StoreConnection(connection: connection, logger: logger).query("SELECT 1")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(PostgresErrorText.isLostConnection(ConnectionClosedUnderStatement()))
    }

    /// A connection the server ended while it sat idle (in the pool, between statements): the next statement on it
    /// fails as a lost connection however soon after the end it comes — the server's error, the connection found
    /// closed before the statement was sent, or closed with no answer — so it runs again on a new connection.
    @Test func aStatementOnAConnectionTheServerEndedCountsAsALostConnection() async throws {
        let location = try PostgresLocation(url: try PostgresCluster.shared.get().freshDatabaseURL())
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: nil, database: location.database,
            tls: .disable)
        let administrator = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        defer { Task { try? await administrator.close() } }
        for delay in [0, 2, 10, 300] {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
            let store = StoreConnection(connection: connection, logger: logger)
            let pid = try #require(try await store.value("SELECT pg_backend_pid()", as: Int32.self))
            try await administrator.query("SELECT pg_terminate_backend(\(pid))", logger: logger)
            try await Task.sleep(for: .milliseconds(delay))
            do {
                try await store.query("SELECT 1")
                Issue.record("a statement on an ended connection answered")
            } catch {
                #expect(PostgresErrorText.isLostConnection(error), "after \(delay) ms: \(String(reflecting: error))")
            }
            try? await connection.close()
        }
        // Found by the team torture under load: the connection had seen the server's goodbye and refused the
        // statement itself (postgres-nio's `clientClosedConnection`, carrying the server's error).
        #expect(PostgresErrorText.isLostConnection(PSQLError.clientClosedConnection(underlying: nil)))
    }

    /// When retrying did not help, what the user reads says what happened to the server in words, not its SQLSTATE
    /// (seen as `… (SQLSTATE 57P01)` on a build whose artifact store was cut once a second).
    @Test func aSessionTheServerEndedIsDescribedInWords() {
        let ended = PSQLError.server(.init(fields: [
            .sqlState: "57P01", .message: "terminating connection due to administrator command", .severity: "FATAL"]))
        let text = PostgresErrorText.describe(ended)
        #expect(text == "the PostgreSQL server ended the connection (it is restarting, or an administrator ended it)")
        #expect(PostgresErrorText.isLostConnection(ended))
        let idle = PSQLError.server(.init(fields: [
            .sqlState: "25P03", .message: "terminating connection due to idle-in-transaction timeout"]))
        #expect(PostgresErrorText.describe(idle)?.contains("idle") == true)
        #expect(PostgresErrorText.isLostConnection(idle))
    }

    /// A write transaction that sits idle (its engine's machine asleep, a client that never sends its next
    /// statement) is ended by the server after the idle limit: the scheduling lock it held is free for the other
    /// engines then, not when it wakes; and the stalled transaction runs again.
    @Test func aStalledTransactionLetsGoOfTheSchedulingLockAfterTheIdleLimit() async throws {
        let location = try PostgresLocation(url: try PostgresCluster.shared.get().freshDatabaseURL())
        let stalled = try await PostgresStore.open(location, engine: nil, labels: [], idleTransactionLimit: 1)
        let other = try await PostgresStore.open(location)
        defer { stalled.close(); other.close() }
        let runs = Mutex(0)
        let (locked, lockTaken) = AsyncStream<Void>.makeStream()
        async let stalledResult: Int = stalled.schedulingTransaction { connection in
            let run = runs.withLock { $0 += 1; return $0 }
            try await connection.query("SELECT 1")
            if run == 1 {
                lockTaken.yield()
                try await Task.sleep(for: .seconds(6))
            }
            try await connection.query("SELECT 1")
            return run
        }
        for await _ in locked { break }  // the stalled transaction holds the scheduling lock now
        let started = ContinuousClock.now
        _ = try await other.schedulingTransaction { connection in try await connection.query("SELECT 1") }
        #expect(ContinuousClock.now - started < .seconds(4), "the lock was let go after the 1 s idle limit")
        #expect(try await stalledResult == 2, "ended by the server, the stalled transaction ran again")
    }

    @Test func aBlobFetchCutOffMidwayIsFetchedAgainWhole() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let store = try await PostgresStore.open(try PostgresLocation(url: url))
        defer { store.close(); try? FileManager.default.removeItem(atPath: folder) }
        let blobs = PostgresBlobStore(store: store, cacheFolder: "\(folder)/cache")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let bytes = Data((0..<2_500_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try bytes.write(to: URL(fileURLWithPath: "\(folder)/app.tar"))
        let (digest, _) = try await blobs.ingest(fileAt: "\(folder)/app.tar")

        let problem = try await cutting(url, waitingOn: "blob_chunk") {
            await blobs.check(path: "app.tar", digest: digest)
        }
        #expect(problem == nil)
        try await cutting(url, waitingOn: "blob_chunk") {
            try await blobs.verifiedCopy(path: "app.tar", digest: digest, to: "\(folder)/copy.tar")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/copy.tar")) == bytes)
    }

    @Test func aLogChunkAndAStoredLogCutOffMidwayAreWrittenAndReadAgain() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let store = try await PostgresStore.open(try PostgresLocation(url: url), engine: "alpha")
        defer { store.close() }
        _ = try await SchedulerContractTests.submit(store, 1)
        let task = try #require(try await store.advance(maxRunningTasks: 1, now: 10).launches.first?.task.id)
        try await cutting(url, waitingOn: "task_log_chunk") {
            try await store.appendLog(taskID: task, offset: 0, bytes: Data("built 3 files\n".utf8))
        }
        let log = try await cutting(url, waitingOn: "task_log") { try await store.storedLog(ofTask: task) }
        #expect(log == Data("built 3 files\n".utf8))
    }

    @Test func aTransactionCutOffBeforeItsCommitRunsAgainOnce() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let store = try await PostgresStore.open(try PostgresLocation(url: url))
        defer { store.close() }
        let version = try await cutting(url, waitingOn: "version") { try await SchedulerContractTests.submit(store, 1) }
        #expect(try await store.versions(limit: 10).map(\.id) == [version.id])
        #expect(try await store.auditEntries(versionID: nil).map(\.action) == ["submit"])
    }

    @Test func aTransactionCutOffDuringItsCommitRunsAgainOnlyWhenItRolledBack() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let store = try await PostgresStore.open(try PostgresLocation(url: url))
        defer { store.close() }
        // A check deferred to COMMIT that waits for the table `gate`: held locked, the COMMIT waits, and is cut.
        let setUp = try ProcessRunner.run("/usr/bin/psql", [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", """
            CREATE TABLE gate (open int); INSERT INTO gate VALUES (1);
            CREATE FUNCTION through_gate() RETURNS trigger LANGUAGE plpgsql AS
              'BEGIN PERFORM 1 FROM gate FOR UPDATE; RETURN NULL; END';
            CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON version DEFERRABLE INITIALLY DEFERRED
              FOR EACH ROW EXECUTE FUNCTION through_gate();
            """])
        #expect(setUp.status == 0, "\(setUp.stderr)")
        let version = try await cutting(url, waitingOn: "gate") { try await SchedulerContractTests.submit(store, 1) }
        #expect(try await store.versions(limit: 10).map(\.id) == [version.id], "submitted once")
        #expect(try await store.auditEntries(versionID: nil).map(\.action) == ["submit"])
    }

    @Test func aHeartbeatCutOffMidwayStillCounts() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let store = try await PostgresStore.open(try PostgresLocation(url: url), engine: "alpha")
        defer { store.close() }
        try await store.claimName(host: "a.example", pid: 11, grace: 30, now: 100)
        let beat = try await cutting(url, waitingOn: "engine") {
            try await store.heartbeat(host: "a.example", pid: 11, now: 110)
        }
        #expect(beat, "the engine's row was there all along: no second registration")
    }
}
