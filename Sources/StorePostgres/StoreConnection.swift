import NIOCore
import PostgresNIO

/// One PostgreSQL connection as the store uses it (every statement of the store, its migrations included; not
/// `LISTEN`): each statement's answer read whole, and a statement whose connection closes under it fails as a lost
/// connection instead of waiting for good. (postgres-nio 1.33 drops the failure of a statement written just as its
/// connection closed: the caller's future is never completed. The team torture found engines waiting on such a
/// statement for minutes, one of them holding the scheduling lock.)
struct StoreConnection {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs `query` and returns every row.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresQueryResult {
        StoreCalls.current?.running(query.sql)
        let connection = self.connection, logger = self.logger
        let eventLoop = connection.eventLoop
        // Written from the connection's event loop only while it is open: its handlers are still there then, and
        // answer or fail the statement themselves.
        let answer = eventLoop.flatSubmit {
            connection.isClosed ? eventLoop.makeFailedFuture(ConnectionClosedUnderStatement())
                : connection.query(query, logger: logger)
        }
        let settled = eventLoop.makePromise(of: PostgresQueryResult.self)
        answer.cascade(to: settled)
        // Should the answer still never come: a statement's own error arrives with its connection's close, so a
        // closed connection is checked a second in.
        let watch = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            if connection.isClosed { settled.fail(ConnectionClosedUnderStatement()) }
        }
        settled.futureResult.whenComplete { _ in watch.cancel() }
        return try await settled.futureResult.get()
    }

    /// True once the connection has closed: nothing more can be sent on it.
    var isClosed: Bool { connection.isClosed }

    /// Runs `body` in a transaction begun by `begin`; when `body` throws, rolls back (unless the connection is gone,
    /// which rolled it back) and rethrows. Committing is the caller's.
    func within<Result>(begin: PostgresQuery, _ body: () async throws -> Result) async throws -> Result {
        try await query(begin)
        do {
            return try await body()
        } catch {
            if !isClosed { _ = try? await query("ROLLBACK") }
            throw error
        }
    }

    /// The values of the first column of every row.
    func values<Value: PostgresDecodable>(_ query: PostgresQuery, as type: Value.Type) async throws -> [Value] {
        try await self.query(query).rows.map { try $0.decode(Value.self) }
    }

    /// The first column of the first row, or nil when there is no row.
    func value<Value: PostgresDecodable>(_ query: PostgresQuery, as type: Value.Type) async throws -> Value? {
        try await values(query, as: type).first
    }
}

/// A statement's connection closed before its answer came: nothing of an uncommitted transaction happened.
struct ConnectionClosedUnderStatement: Error {}
