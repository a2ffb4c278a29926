import Foundation
import PipelineEngine
import StageRunner
import StoreCore
import StorePostgres
import Synchronization

/// A team's PostgreSQL store: shells and engines on several machines, artifacts in the database (cached per
/// machine), engines woken by `NOTIFY`.
public final class TeamBackend: StateBackend {
    public let location: PostgresLocation
    private let environment: [String: String]
    private let opening = Mutex<Task<PostgresStore, any Error>?>(nil)

    /// `environment` gives the cache folder and `$CDSH_SOURCE_URL`.
    public init(location: PostgresLocation, environment: [String: String]) {
        self.location = location
        self.environment = environment
    }

    public func store() async throws -> any StateStore {
        try await team()
    }

    private func team() async throws -> PostgresStore {
        let location = self.location
        let task = opening.withLock { opening in
            if let opening { return opening }
            let task = Task { try await PostgresStore.open(location) }
            opening = task
            return task
        }
        do {
            return try await task.value
        } catch {
            opening.withLock { if $0 == task { $0 = nil } }  // the next command tries again
            throw error
        }
    }

    public func blobs() async throws -> any BlobStore {
        PostgresBlobStore(store: try await team(), cacheFolder: "\(CacheFolder.path(environment: environment))/shell")
    }

    /// Every listening engine hears it; they also poll, so a lost announcement only delays the work.
    public func wakeEngine() async throws {
        try? await team().announceWork()
    }

    public func keepEngineAlive() async throws {}

    public func settleDeadEngine() async {}

    public var engineStopped: String? { nil }

    /// A team's store is elsewhere: its disk is not this machine's.
    public func releaseRecordingReserve() -> Bool { false }

    /// `$CDSH_SOURCE_URL`, else the work tree's `origin`, else its path (machines sharing a file system).
    public func source(of repository: GitRepository) async throws -> String {
        if let url = environment["CDSH_SOURCE_URL"], !url.isEmpty { return url }
        return try await repository.remoteURL("origin") ?? repository.path
    }

    /// A team's engines run on other machines: what their environments set cannot be told from here.
    public func engineVariables() async -> (names: Set<String>, running: Bool)? { nil }

    public var pollInterval: Duration { .milliseconds(100) }
}
