import Foundation
import PipelineModel
import GRDB
import StoreCore

/// The embedded store: the pipeline's state in `state.sqlite` in the state folder, for one engine and any number
/// of shells on this machine. Every read and transition is `SQLStore`'s; this type opens the file and runs
/// transactions on it.
public final class SQLiteStore: Sendable {
    let database: StateDatabase
    /// The state folder.
    public let folder: String
    private let turn = WriterTurn()

    /// Opens the store in the state folder `folder`, creating and migrating it as needed.
    public init(folder: String) throws {
        self.folder = folder
        do {
            database = try StateDatabase(folder: folder)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL
                    || (error.resultCode == .SQLITE_IOERR && DiskSpace.isFull(at: folder)) {
            // A database that cannot even map its shared-memory file on a full disk says "disk I/O error".
            throw StoreError.diskFull(folder)
        } catch let error as DatabaseError {
            throw StoreError.unavailable("cannot open the state store in \(folder): \(error.message ?? "SQLite error \(error.resultCode)")")
        } catch {
            throw StoreError.unavailable("cannot open the state store in \(folder): \(ErrorText.describe(error))")
        }
    }

    /// The SQLite file.
    public var databasePath: String { database.path }

    /// True when the state folder cannot be written here (a read-only mount, a colleague's folder): reading
    /// works, every write is refused with one line, no engine is started.
    public var isReadOnly: Bool { database.readOnly }
}

extension SQLiteStore: SQLStore {
    /// The embedded store's one engine runs everything; tasks name no engine.
    public var engineName: String? { nil }

    /// Paths on this machine are recorded relative to the state folder, so it can be moved.
    public var relativePathBase: String? { folder }

    /// Its one engine runs every task: `runs-on:` places work among a team's engines.
    public var placesWork: Bool { false }

    /// The chain's head is witnessed in the state folder, beside the database file: it moves with the folder.
    public var auditWitness: AuditWitness? {
        AuditWitness(path: "\(folder)/audit.witness", keyPath: "\(folder)/audit.key", createsKey: true)
    }

    /// Logs are files in the state folder, read where they are.
    public func keepLog(ofTask taskID: Int64, at path: String) async throws {}

    /// Logs are files in the state folder: the store keeps no copy.
    public func storedLog(ofTask taskID: Int64) async throws -> Data? { nil }

    /// Logs are files in the state folder: no copy to remove.
    public func removeStoredLogs(ofTasks taskIDs: [Int64], dryRun: Bool) async throws -> Int { 0 }

    /// Runs `body` on the write connection, one transaction of this process at a time; `BEGIN IMMEDIATE` takes
    /// the file's write lock at once (other processes wait up to the busy timeout), a read takes a snapshot.
    @discardableResult
    public func transaction<Result: Sendable>(
        _ kind: TransactionKind, _ body: @Sendable (any SQLConnection) async throws -> Result
    ) async throws -> Result {
        if database.readOnly && kind != .read {
            throw StoreError.unavailable("the state in \(folder) is read-only here: reading commands work, this one "
                                         + "records and cannot")
        }
        do {
            // A transaction that may have appended to the audit chain leaves its head witnessed beside the file.
            return try await AuditWitness.witnessing(kind == .read ? nil : auditWitness) { try await run(kind, body) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL
                    || (error.resultCode == .SQLITE_IOERR && DiskSpace.isFull(at: folder)) {
            throw StoreError.diskFull(folder)
        } catch let error as DatabaseError {
            // SQLite's own failures (a full disk, a damaged file, a lock held too long) say so in words.
            throw StoreError.unavailable("the state store in \(folder) failed: \(error.message ?? "\(error)")")
        }
    }

    private func run<Result: Sendable>(
        _ kind: TransactionKind, _ body: @Sendable (any SQLConnection) async throws -> Result
    ) async throws -> Result {
        await turn.take()
        defer { turn.release() }
        let connection = SQLiteConnection(writer: database.writer)
        let durable = kind == .durable
        if durable { try connection.control("PRAGMA synchronous = FULL") }
        defer { if durable { try? connection.control("PRAGMA synchronous = NORMAL") } }
        try connection.control(kind == .read ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE")
        do {
            let result = try await body(connection)
            try connection.control("COMMIT")
            return result
        } catch {
            try? connection.control("ROLLBACK")
            throw error
        }
    }

    /// After the engine died: every running task becomes `interrupted` (`interruptRunningWork`). Returns them, so
    /// their leftover process groups can be stopped.
    public func recoverInterrupted(now: Double) async throws -> [TaskRecord] {
        try await interruptRunningWork(ofEngines: nil, reason: "the engine stopped while it ran; `rerun` starts a new attempt",
                                       now: now)
    }

    /// True when some task is recorded `running` (one indexed read).
    public func hasRunningTasks() async throws -> Bool {
        try await transaction(.read) { connection in
            try await connection.queryOne("SELECT id FROM task WHERE state = 'running' LIMIT 1") != nil
        }
    }
}
