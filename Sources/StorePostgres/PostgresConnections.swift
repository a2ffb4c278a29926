import PostgresNIO
import Synchronization

/// The store's connections to its server, kept for reuse: a call takes an idle one (or opens one) and gives it back
/// when it ended well; one that failed, or that the server closed, is closed and dropped. postgres-nio's pool is not
/// used for this: after a connection was ended under a request (`pg_terminate_backend`, a restart) it was seen to
/// leave later requests waiting for good, with no connection open — an engine stopped settling.
final class PostgresConnections: Sendable {
    private let idle = Mutex<[PostgresConnection]>([])
    private let opened = Atomic<Int>(0)
    private let configuration: @Sendable () throws -> PostgresConnection.Configuration
    private let logger: Logger
    /// Idle connections kept at most; more are closed as they come back.
    static let keptIdle = 4

    init(logger: Logger, configuration: @escaping @Sendable () throws -> PostgresConnection.Configuration) {
        self.logger = logger
        self.configuration = configuration
    }

    /// Runs `body` on a connection; `fresh`: a new one, not an idle one (after a lost connection).
    func with<Result>(fresh: Bool, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await take(fresh: fresh)
        do {
            let result = try await body(connection)
            await giveBack(connection)
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func take(fresh: Bool) async throws -> PostgresConnection {
        while !fresh, let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = opened.add(1, ordering: .relaxed).newValue
        return try await PostgresConnection.connect(configuration: try configuration(), id: id, logger: logger)
    }

    private func giveBack(_ connection: PostgresConnection) async {
        let kept = !connection.isClosed && idle.withLock { idle in
            guard idle.count < Self.keptIdle else { return false }
            idle.append(connection)
            return true
        }
        if !kept { try? await connection.close() }
    }

    /// Closes the idle connections (in the background: the caller need not wait).
    func closeAll() {
        let connections = idle.withLock { idle in defer { idle = [] }; return idle }
        guard !connections.isEmpty else { return }
        Task { for connection in connections { try? await connection.close() } }
    }

    deinit {
        closeAll()
    }
}
