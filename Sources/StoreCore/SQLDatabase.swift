/// What a transaction is for; each database keeps the promise its own way.
public enum TransactionKind: Sendable {
    /// Reads that see one consistent snapshot and write nothing.
    case read
    /// Writes that do not touch what the scheduler decides on (deploy records, pids).
    case write
    /// Writes a production deploy depends on: on disk before the transaction returns, whatever the store's
    /// everyday durability.
    case durable
    /// Reads and writes of what the scheduler decides on (settles, decisions, cancels, rollbacks, a task's end,
    /// a dead engine's work): these run one at a time across every engine and shell of the store.
    case scheduling
}

/// A lock a transaction holds until it ends, ordering writers that must not interleave (a database whose write
/// transactions already run one at a time takes none).
public enum TransactionLock: Sendable {
    /// Appending to the audit hash chain.
    case audit
}

/// One open transaction: statements run in order inside it.
public protocol SQLConnection: Sendable {
    /// Runs a statement that returns rows (a `SELECT`, or a write with `RETURNING`).
    func query(_ sql: SQL) async throws -> [SQLRow]
    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func execute(_ sql: SQL) async throws -> Int
    /// Holds `lock` until the transaction ends.
    func hold(_ lock: TransactionLock) async throws
    /// The rows of each statement, in order (by default one statement after another).
    func queryEach(_ statements: [SQL]) async throws -> [[SQLRow]]
}

extension SQLConnection {
    /// The first row, if any.
    public func queryOne(_ sql: SQL) async throws -> SQLRow? {
        try await query(sql).first
    }

    /// One statement after another: what an in-process database does as fast as anything.
    public func queryEach(_ statements: [SQL]) async throws -> [[SQLRow]] {
        var results: [[SQLRow]] = []
        for statement in statements { results.append(try await query(statement)) }
        return results
    }
}

/// A database the store core runs its transitions on: the embedded SQLite file or a team's PostgreSQL server.
public protocol SQLDatabase: Sendable {
    /// Runs `body` in one transaction of `kind`: committed when it returns, rolled back when it throws (and the
    /// error comes out as itself).
    @discardableResult
    func transaction<Result: Sendable>(
        _ kind: TransactionKind, _ body: @Sendable (any SQLConnection) async throws -> Result
    ) async throws -> Result
}
