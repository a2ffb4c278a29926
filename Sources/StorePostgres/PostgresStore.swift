import Foundation
import StoreCore
import PostgresNIO

/// The pipeline's state in a PostgreSQL database shared by a team's shells and engines.
///
/// Opened with `PostgresStore.open(_:)`, which starts the connection pool and applies the migrations; `close()`
/// stops the pool. It implements the same contracts as the embedded SQLite store (`VersionLedger`), checked by
/// the same tests.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    /// The engine this store acts for (recorded on the attempts and tasks it starts); nil for shells.
    public let engineName: String?
    /// The labels that engine declares (`--labels`), sorted: the `runs-on:` work it may take.
    public let engineLabels: [String]
    let client: PostgresClient
    let logger: Logger
    let calls = StoreCalls()
    /// How long the server lets a write transaction sit idle before it ends the session (and so releases the
    /// scheduling lock): an engine that stopped mid-transaction — a machine asleep, a client that never sends its
    /// next statement — cannot hold every other engine up for longer.
    let idleTransactionLimit: Int
    private let running: Task<Void, Never>

    private init(location: PostgresLocation, engineName: String?, engineLabels: [String], idleTransactionLimit: Int)
        throws {
        self.idleTransactionLimit = idleTransactionLimit
        var logger = Logger(label: "cdsh.postgres")
        logger.logLevel = .critical
        self.location = location
        self.engineName = engineName
        self.engineLabels = engineLabels.sorted()
        self.logger = logger
        let client = PostgresClient(configuration: try PostgresTLS.settingUp { try location.configuration },
                                    backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Connects, and brings the schema up to date; `engine` names the engine this store acts for, `labels` what
    /// it declares.
    public static func open(_ location: PostgresLocation, engine: String? = nil, labels: [String] = []) async throws
        -> PostgresStore {
        try await open(location, engine: engine, labels: labels, idleTransactionLimit: 10)
    }

    static func open(_ location: PostgresLocation, engine: String?, labels: [String], idleTransactionLimit: Int)
        async throws -> PostgresStore {
        let store = try PostgresStore(location: location, engineName: engine, engineLabels: labels,
                                      idleTransactionLimit: idleTransactionLimit)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await PostgresMigrations.migrate(store) }
                // The pool retries a refused connection for about a minute before it gives up: when the schema
                // check takes more than two seconds, one direct connection says at once why the server is away.
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    try await store.connection(retry: 1) { _ in }
                    try await Task.sleep(for: .seconds(3600))  // reachable after all: the schema check decides
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            store.close()
            throw StoreError.unavailable("cannot open the state store at \(location): "
                                         + (PostgresErrorText.describe(error, location: location) ?? "\(error)"))
        }
        return store
    }

    /// Runs `body` in one transaction; the error `body` threw comes out as itself, and the server's or the
    /// connection's errors as `StoreError.unavailable` in words (`answering`).
    ///
    /// A connection lost before `COMMIT` was sent (a server restart, `pg_terminate_backend`, a dropped link) committed
    /// nothing, so the whole transaction runs again on a new connection (`lostConnectionRetries`). One lost during
    /// `COMMIT` may have committed: the server says whether its transaction id did (`txid_status`), and it runs again
    /// only when it did not; when the server cannot say, the error says so. `locking` takes that advisory lock, and
    /// the transaction's idle limit (`idleTransactionLimit`) is set, in the statement that reads the transaction id.
    func transaction<Result: Sendable>(
        locking lock: AdvisoryLock? = nil, _ body: (StoreConnection) async throws -> Result
    ) async throws -> Result {
        try await answering { try await retriedTransaction(locking: lock, body) }
    }

    /// `transaction`, with the server's and the connection's errors as postgres-nio gives them (for the migrations,
    /// whose errors `open` puts in words with the store's address).
    func retriedTransaction<Result: Sendable>(
        locking lock: AdvisoryLock?, _ body: (StoreConnection) async throws -> Result
    ) async throws -> Result {
        try await Self.againAfterLostConnection(limit: lostConnectionRetries) { retry in
            try await connection(retry: retry) { connection in
                let (transactionID, result) = try await connection.within(begin: "BEGIN") {
                    (try await Self.open(connection, locking: lock, idleLimit: idleTransactionLimit),
                     try await body(connection))
                }
                StoreCalls.current?.note("committing")
                do {
                    try await connection.query("COMMIT")
                } catch where PostgresErrorText.isLostConnection(error) {
                    switch await committed(transactionID) {
                    case true?: return result
                    case false?: throw error  // rolled back: run again
                    case nil:
                        throw StoreError.unavailable(
                            "the connection to the team's state store at \(location) was lost while a change was being "
                            + "committed, and the server cannot say whether it was: check with `log` or `show` before "
                            + "doing it again")
                    }
                }
                return result
            }
        }
    }

    /// Begins the transaction's work: sets how long it may sit idle (`idleLimit` seconds), takes `lock`, and returns
    /// the transaction's id — in one statement.
    private static func open(_ connection: StoreConnection, locking lock: AdvisoryLock?, idleLimit: Int) async throws
        -> Int64? {
        let limit = "set_config('idle_in_transaction_session_timeout', '\(idleLimit * 1000)', true)"
        let locking = lock.map { "pg_advisory_xact_lock(\(Int64($0.rawValue))), " } ?? ""
        let statement = PostgresQuery(unsafeSQL: "SELECT txid_current() FROM (SELECT \(locking)\(limit)) AS opened")
        return try await connection.value(statement, as: Int64.self)
    }

    /// Whether transaction `id` committed: nil when the server no longer knows, or cannot be asked in time. One whose
    /// connection was just ended is rolled back by its server process as that process exits — or, when the server
    /// never saw the connection go (a cut link), by the idle limit — so "in progress" is asked again meanwhile, for
    /// 15 s longer than that limit.
    private func committed(_ id: Int64?) async -> Bool? {
        guard let id else { return nil }
        for _ in 0..<(2 * (idleTransactionLimit + 15)) {
            do {
                let status = try await connection(retry: 1) { connection in
                    try await connection.value("SELECT txid_status(\(id))", as: String?.self) ?? nil
                }
                switch status {
                case "committed": return true
                case "aborted": return false
                case "in progress": break
                default: return nil
                }
            } catch where PostgresErrorText.isLostConnection(error) || error is StoreError {
            } catch {
                return nil
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return nil
    }

    /// How often a call whose connection was lost runs again: an engine rides out a server restart or a failover
    /// (six more times, over about 14 s); a shell says within about 2 s that the store is away.
    var lostConnectionRetries: Int { engineName == nil ? 3 : 6 }

    /// Runs `body` on a connection: the pool's on a first try; after a lost connection (`retry` > 0) one of its own,
    /// closed afterwards — postgres-nio's pool was seen to leave a request waiting for good after its connection was
    /// ended under it.
    func connection<Result>(retry: Int, _ body: (StoreConnection) async throws -> Result) async throws -> Result {
        try await calls.run(retry > 0 ? "opening a connection for retry \(retry)" : "waiting for a pooled connection") { call in
            guard retry > 0 else {
                return try await client.withConnection { connection in
                    call.note("on a pooled connection")
                    return try await body(StoreConnection(connection: connection, logger: logger))
                }
            }
            let connection = try await PostgresConnection.connect(
                configuration: try PostgresTLS.settingUp { try location.connectionConfiguration }, id: 0, logger: logger)
            call.note("on a connection of its own")
            do {
                let result = try await body(StoreConnection(connection: connection, logger: logger))
                try? await connection.close()
                return result
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// The calls to the server begun more than `seconds` ago and not yet returned, each saying what it waits on.
    public func callsInProgress(olderThan seconds: Double) -> [String] {
        calls.older(than: seconds)
    }

    /// Runs `body` — statements outside a transaction that may run twice to the same effect (reads, a heartbeat, a
    /// log chunk stored once per offset) — again when its connection was lost, with errors in words (`answering`).
    @discardableResult
    func idempotent<Result>(_ body: (StoreConnection) async throws -> Result) async throws -> Result {
        try await answering {
            try await Self.againAfterLostConnection(limit: lostConnectionRetries) { retry in
                try await connection(retry: retry, body)
            }
        }
    }

    /// Runs `body` again, up to `limit` more times (150 ms·n² apart), when it failed only because its connection was
    /// lost before it committed anything; what an earlier run noted for the audit witness is forgotten first.
    static func againAfterLostConnection<Result>(
        limit: Int = 3, _ body: (_ retry: Int) async throws -> Result
    ) async throws -> Result {
        var retries = 0
        while true {
            do {
                return try await body(retries)
            } catch where retries < limit && PostgresErrorText.isLostConnection(error) {
                retries += 1
                AuditWitness.appended?.forget()
                try await Task.sleep(for: .milliseconds(150 * retries * retries))
            }
        }
    }

    /// Runs `body`; a postgres-nio error comes out as `StoreError.unavailable` saying what the server or the
    /// connection said, so nothing above this module needs to read PostgreSQL's errors.
    func answering<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            guard let text = PostgresErrorText.describe(error, location: location) else { throw error }
            throw StoreError.unavailable("the team's state store at \(location) failed: " + text)
        }
    }

    /// A transaction that reads or changes what the scheduler decides on (settles, decisions, cancels, rollbacks,
    /// preemptions, a task's end, taking over a dead engine's work): it holds the scheduling lock, so these run one
    /// at a time across every engine and shell.
    func schedulingTransaction<Result: Sendable>(
        _ body: (StoreConnection) async throws -> Result
    ) async throws -> Result {
        try await transaction(locking: .scheduling, body)
    }

    /// A read-only transaction that sees one consistent snapshot of the database, begun in one round trip; a read
    /// that lost its connection is read again (`lostConnectionRetries`).
    func snapshotRead<Result: Sendable>(_ body: (StoreConnection) async throws -> Result) async throws -> Result {
        try await answering {
            try await Self.againAfterLostConnection(limit: lostConnectionRetries) { retry in
                try await connection(retry: retry) { connection in
                    let result = try await connection.within(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
                        try await body(connection)
                    }
                    try await connection.query("COMMIT")
                    return result
                }
            }
        }
    }

    /// Takes `lock` until the transaction ends; with `key`, one lock per key (a blob's digest, an engine's name).
    static func take(_ lock: AdvisoryLock, key: String? = nil, _ connection: StoreConnection) async throws {
        if let key {
            try await connection.query("SELECT pg_advisory_xact_lock(\(lock.rawValue), hashtext(\(key)))")
        } else {
            try await connection.query("SELECT pg_advisory_xact_lock(\(Int64(lock.rawValue)))")
        }
    }

    /// Stops the connection pool.
    public func close() {
        running.cancel()
    }
}

/// The advisory locks that order writers from every machine, each held until its transaction ends.
enum AdvisoryLock: Int32 {
    /// Applying the schema's migrations.
    case migrations = 7201
    /// Appending to the audit hash chain.
    case audit = 7202
    /// Storing one blob (keyed by its digest).
    case blob = 7203
    /// Scheduling: settles and every decision they depend on (see `schedulingTransaction`).
    case scheduling = 7204
    /// Claiming one engine name (keyed by the name).
    case engineName = 7205
}
