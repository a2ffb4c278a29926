import Foundation
import GRDB

/// The SQLite file under the state folder, opened in WAL mode with a busy timeout and migrated on open.
public final class StateDatabase: Sendable {
    /// The pool every store query goes through.
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) `state.sqlite` in `folder`, which is created with mode 0700.
    public init(folder: String) throws {
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let ignore = (folder as NSString).appendingPathComponent(".gitignore")
        if !FileManager.default.fileExists(atPath: ignore) {
            // The state folder usually sits in the work tree: keep it out of `git add -A`.
            try? "# cdsh state: not part of the source\n*\n".write(toFile: ignore, atomically: true, encoding: .utf8)
        }
        path = (folder as NSString).appendingPathComponent("state.sqlite")
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-versions-attempts-tasks") { db in
            try db.execute(sql: """
                CREATE TABLE version (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  commitID TEXT NOT NULL, ref TEXT NOT NULL, priority TEXT NOT NULL, note TEXT,
                  planJSON TEXT NOT NULL, planDigest TEXT NOT NULL,
                  sourcePath TEXT NOT NULL, pipelinePath TEXT NOT NULL,
                  submittedBy TEXT NOT NULL, submittedAt DOUBLE NOT NULL, cancelledAt DOUBLE,
                  settled BOOLEAN NOT NULL DEFAULT 0);
                CREATE INDEX version_commit ON version(commitID);
                CREATE INDEX version_unsettled ON version(settled) WHERE settled = 0;
                CREATE TABLE attempt (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  versionID INTEGER NOT NULL REFERENCES version(id),
                  stageIndex INTEGER NOT NULL, stage TEXT NOT NULL, number INTEGER NOT NULL,
                  state TEXT NOT NULL, reason TEXT,
                  createdAt DOUBLE NOT NULL, startedAt DOUBLE, finishedAt DOUBLE,
                  UNIQUE(versionID, stageIndex, number));
                CREATE TABLE task (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  attemptID INTEGER NOT NULL REFERENCES attempt(id),
                  kind TEXT NOT NULL, name TEXT NOT NULL, environment TEXT,
                  afterTaskID INTEGER REFERENCES task(id),
                  state TEXT NOT NULL, exitCode INTEGER, reason TEXT, pid INTEGER, logPath TEXT,
                  startedAt DOUBLE, finishedAt DOUBLE);
                CREATE INDEX task_attempt ON task(attemptID);
                CREATE INDEX task_running ON task(state) WHERE state = 'running';
                CREATE TABLE artifact (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  versionID INTEGER NOT NULL REFERENCES version(id),
                  attemptID INTEGER NOT NULL REFERENCES attempt(id),
                  path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
                  commitID TEXT NOT NULL, job TEXT NOT NULL, command TEXT NOT NULL,
                  startedAt DOUBLE NOT NULL, finishedAt DOUBLE NOT NULL, exitCode INTEGER NOT NULL, host TEXT NOT NULL,
                  UNIQUE(attemptID, path));
                CREATE INDEX artifact_version ON artifact(versionID);
                CREATE TABLE lease (
                  environment TEXT PRIMARY KEY,
                  attemptID INTEGER NOT NULL REFERENCES attempt(id),
                  taskID INTEGER REFERENCES task(id));
                CREATE TABLE deploy (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  environment TEXT NOT NULL, versionID INTEGER NOT NULL REFERENCES version(id),
                  attemptID INTEGER NOT NULL, taskID INTEGER NOT NULL,
                  artifactsJSON TEXT NOT NULL, configDigest TEXT, scriptDigest TEXT NOT NULL,
                  who TEXT NOT NULL, startedAt DOUBLE NOT NULL, finishedAt DOUBLE, result TEXT NOT NULL);
                CREATE INDEX deploy_environment ON deploy(environment, id);
                CREATE TABLE decision (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  attemptID INTEGER NOT NULL REFERENCES attempt(id), versionID INTEGER NOT NULL,
                  kind TEXT NOT NULL, who TEXT NOT NULL, reason TEXT NOT NULL, at DOUBLE NOT NULL);
                CREATE TABLE audit (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  at DOUBLE NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL, versionID INTEGER,
                  detail TEXT NOT NULL, previousHash TEXT NOT NULL, hash TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("v2-deploy-only-attempts") { db in
            try db.execute(sql: "ALTER TABLE attempt ADD COLUMN environment TEXT")
            try db.execute(sql: "ALTER TABLE attempt ADD COLUMN requestedBy TEXT")
            try db.execute(sql: "ALTER TABLE attempt ADD COLUMN preemptedBy INTEGER REFERENCES version(id)")
        }
        migrator.registerMigration("v3-prompt-indexes") { db in
            // The prompt counts approvals and patches on every line; without these they scan the whole history.
            try db.execute(sql: "CREATE INDEX attempt_state ON attempt(state)")
            try db.execute(sql: "CREATE INDEX version_priority ON version(priority)")
        }
        migrator.registerMigration("v4-task-engine") { db in
            // The same task row as a team's store keeps; the embedded store's one engine leaves it empty.
            try db.execute(sql: "ALTER TABLE task ADD COLUMN engine TEXT")
        }
        return migrator
    }
}
