import Foundation
import Synchronization

/// One throw-away PostgreSQL server on 127.0.0.1 for the whole test process, started with scripts/pg-cluster on
/// first use and stopped when the process exits. Each test asks for a database of its own.
public final class PostgresCluster: Sendable {
    /// The URL of the cluster's `cdsh` database; each test makes its own with `freshDatabaseURL()`.
    public let url: String
    let folder: String

    public static let shared: Result<PostgresCluster, Error> = Result { try PostgresCluster() }

    /// A second server that takes TLS connections only (`scripts/pg-cluster start DIR --tls`): user `cdsh` logs in
    /// with `password`, role `certuser` with the client certificate in `tlsFolder`.
    public static let tls: Result<PostgresCluster, Error> = Result { try PostgresCluster(tls: true) }

    /// The certificates the TLS server was made with: ca.crt, other-ca.crt, client.crt, client.key.
    public var tlsFolder: String { folder + "/tls" }

    /// The TLS server's password for user `cdsh`.
    public var password: String {
        (try? String(contentsOfFile: folder + "/password", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    /// The server's port.
    public var port: Int { Int(url.split(separator: ":").last?.split(separator: "/").first ?? "") ?? 0 }

    private init(tls: Bool = false) throws {
        Self.stopClustersOfDeadRuns()
        folder = NSTemporaryDirectory() + "cdsh-pg-\(getpid())" + (tls ? "-tls" : "")
        let started = try ProcessRunner.run("\(ProjectFixture.repositoryRoot)/scripts/pg-cluster",
                                            ["start", folder] + (tls ? ["--tls"] : []), in: NSTemporaryDirectory())
        guard started.status == 0 else {
            throw NSError(domain: "pg-cluster", code: Int(started.status), userInfo: [
                NSLocalizedDescriptionKey: "scripts/pg-cluster could not start PostgreSQL (scripts/setup installs it): \(started.stderr)"])
        }
        url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        PostgresClusterShutdown.folders.withLock { $0.append(folder) }
        atexit { PostgresClusterShutdown.stop() }
    }

    /// A test process killed before its exit hook ran leaves its server running: stop those of dead processes.
    static func stopClustersOfDeadRuns() {
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("cdsh-pg-") {
            let pidText = name.dropFirst("cdsh-pg-".count).split(separator: "-").first ?? ""
            guard let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0 else { continue }
            _ = try? ProcessRunner.run("\(ProjectFixture.repositoryRoot)/scripts/pg-cluster", ["stop", temporary + name])
        }
    }

    /// A new, empty database on the cluster, owned by `owner` (default: the cluster's user).
    public func freshDatabaseURL(owner: String? = nil) throws -> String {
        let name = "t\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        // Through the server's socket in its folder, which trusts local users: a TLS-only server refuses plain TCP.
        let created = try ProcessRunner.run("/usr/bin/psql", ["-h", folder, "-p", String(port), "-U", "cdsh", "-d", "cdsh",
                                                              "-q", "-c", "CREATE DATABASE \(name)" + (owner.map { " OWNER \($0)" } ?? "")],
                                            in: NSTemporaryDirectory())
        guard created.status == 0 else {
            throw NSError(domain: "psql", code: Int(created.status), userInfo: [NSLocalizedDescriptionKey: created.stderr])
        }
        return String(url.dropLast("cdsh".count)) + name
    }
}

/// What the exit hook needs, outside any instance (an `atexit` function captures nothing).
enum PostgresClusterShutdown {
    static let folders = Mutex<[String]>([])

    static func stop() {
        for folder in folders.withLock({ folders in defer { folders = [] }; return folders }) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "\(ProjectFixture.repositoryRoot)/scripts/pg-cluster")
            process.arguments = ["stop", folder]
            try? process.run()
            process.waitUntilExit()
        }
    }
}
