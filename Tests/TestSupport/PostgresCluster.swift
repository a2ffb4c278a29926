import Foundation

/// One throw-away PostgreSQL server on 127.0.0.1 for the whole test process, started with scripts/pg-cluster on
/// first use and stopped when the process exits. Each test asks for a database of its own.
public final class PostgresCluster: Sendable {
    /// The URL of the cluster's `cdsh` database; each test makes its own with `freshDatabaseURL()`.
    public let url: String
    let folder: String

    public static let shared: Result<PostgresCluster, Error> = Result { try PostgresCluster() }

    private init() throws {
        Self.stopClustersOfDeadRuns()
        folder = NSTemporaryDirectory() + "cdsh-pg-\(getpid())"
        let started = try ProcessRunner.run("\(ProjectFixture.repositoryRoot)/scripts/pg-cluster", ["start", folder],
                                            in: NSTemporaryDirectory())
        guard started.status == 0 else {
            throw NSError(domain: "pg-cluster", code: Int(started.status), userInfo: [
                NSLocalizedDescriptionKey: "scripts/pg-cluster could not start PostgreSQL (scripts/setup installs it): \(started.stderr)"])
        }
        url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        PostgresClusterShutdown.folder = folder
        atexit { PostgresClusterShutdown.stop() }
    }

    /// A test process killed before its exit hook ran leaves its server running: stop those of dead processes.
    static func stopClustersOfDeadRuns() {
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("cdsh-pg-") {
            guard let pid = Int32(name.dropFirst("cdsh-pg-".count)), kill(pid, 0) != 0 else { continue }
            _ = try? ProcessRunner.run("\(ProjectFixture.repositoryRoot)/scripts/pg-cluster", ["stop", temporary + name])
        }
    }

    /// A new, empty database on the cluster.
    public func freshDatabaseURL() throws -> String {
        let name = "t\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let created = try ProcessRunner.run("/usr/bin/psql", [url, "-q", "-c", "CREATE DATABASE \(name)"],
                                            in: NSTemporaryDirectory())
        guard created.status == 0 else {
            throw NSError(domain: "psql", code: Int(created.status), userInfo: [NSLocalizedDescriptionKey: created.stderr])
        }
        return String(url.dropLast("cdsh".count)) + name
    }
}

/// What the exit hook needs, outside any instance (an `atexit` function captures nothing).
enum PostgresClusterShutdown {
    nonisolated(unsafe) static var folder: String?

    static func stop() {
        guard let folder else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(ProjectFixture.repositoryRoot)/scripts/pg-cluster")
        process.arguments = ["stop", folder]
        try? process.run()
        process.waitUntilExit()
    }
}
