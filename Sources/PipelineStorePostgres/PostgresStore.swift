import Foundation
import PipelineModel
import PipelineStore
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
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>

    private init(location: PostgresLocation, engineName: String?) {
        var logger = Logger(label: "cdsh.postgres")
        logger.logLevel = .critical
        self.location = location
        self.engineName = engineName
        self.logger = logger
        let client = PostgresClient(configuration: location.configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    /// Connects, and brings the schema up to date; `engine` names the engine this store acts for.
    public static func open(_ location: PostgresLocation, engine: String? = nil) async throws -> PostgresStore {
        let store = PostgresStore(location: location, engineName: engine)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await PostgresMigrations.migrate(store.client, logger: store.logger) }
                // The pool retries a refused connection for about a minute before it gives up: when the schema
                // check takes more than two seconds, one direct connection says at once why the server is away.
                group.addTask {
                    try await Task.sleep(for: .seconds(2))
                    let probe = try await PostgresConnection.connect(
                        configuration: location.connectionConfiguration, id: 0, logger: store.logger)
                    try? await probe.close()
                    try await Task.sleep(for: .seconds(3600))  // reachable after all: the schema check decides
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            store.close()
            throw StoreError.unavailable("cannot open the state store at \(location): "
                                         + (PostgresErrorText.describe(error) ?? "\(error)"))
        }
        return store
    }

    /// Runs `body` in one transaction; the error `body` threw comes out as itself, not wrapped by postgres-nio.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    /// Stops the connection pool.
    public func close() {
        running.cancel()
    }
}
