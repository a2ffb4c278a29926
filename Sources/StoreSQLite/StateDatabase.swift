import Foundation
import GRDB
import StoreCore

/// The SQLite file under the state folder, opened in WAL mode with a busy timeout and migrated on open — or, in a
/// folder this process may not write (a read-only mount, a colleague's folder), opened read-only for reading.
final class StateDatabase: Sendable {
    /// The connection every store query goes through: a pool, or one read-only connection.
    let writer: any DatabaseWriter
    let path: String
    /// True when the folder cannot be written here: every write transaction is refused before it starts.
    let readOnly: Bool

    /// Opens (creating if needed) `state.sqlite` in `folder`, which is created with mode 0700.
    init(folder: String) throws {
        self.path = (folder as NSString).appendingPathComponent("state.sqlite")
        let path = self.path
        if FileManager.default.fileExists(atPath: path), access(folder, W_OK) != 0 {
            readOnly = true
            writer = try Self.openReadOnly(path: path, folder: folder)
            return
        }
        readOnly = false
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let ignore = (folder as NSString).appendingPathComponent(".gitignore")
        if !FileManager.default.fileExists(atPath: ignore) {
            // The state folder usually sits in the work tree: keep it out of `git add -A`.
            try? "# cdsh state: not part of the source\n*\n".write(toFile: ignore, atomically: true, encoding: .utf8)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // SQLiteStore.transaction spans several accesses to the write connection, one transaction at a time.
        configuration.allowsUnsafeTransactions = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Two first uses of a new folder must not both create the tables: one process opens and migrates at a time.
        writer = try Self.exclusively(folder: folder) {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator(folder: folder).migrate(pool)
            return pool
        }
    }

    /// One read-only connection. A WAL database whose `-shm` file is gone (its last writer closed it) cannot be
    /// opened so without writing one; it is then read as an immutable file — what it held when opened.
    private static func openReadOnly(path: String, folder: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.allowsUnsafeTransactions = true
        var queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master") }
        } catch {
            // Read as an immutable file only when nothing waits in the write-ahead log, which that mode would skip.
            var wal = stat()
            if stat(path + "-wal", &wal) == 0, wal.st_size > 0 {
                throw StoreError.unavailable("the state in \(folder) is read-only here and holds changes its engine has "
                                             + "not merged yet (state.sqlite-wal); run a cdsh command where it can be "
                                             + "written, or read a copy of the folder")
            }
            queue = try DatabaseQueue(path: "file:\(path)?immutable=1", configuration: configuration)
        }
        guard try queue.read({ try migrator(folder: folder).hasCompletedMigrations($0) }) else {
            throw StoreError.unavailable("the state in \(folder) was written by an older cdsh and cannot be upgraded here, "
                                         + "where it is read-only; run cdsh once where the folder can be written")
        }
        return queue
    }

    /// Runs `body` holding an exclusive `flock` on the folder itself (no lock file to leave behind or to need write
    /// access for); released when `body` returns or throws.
    private static func exclusively<Result>(folder: String, _ body: () throws -> Result) throws -> Result {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return try body() }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0, errno == EINTR {}
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    static func migrator(folder: String) -> DatabaseMigrator {
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
        migrator.registerMigration("v5-one-naming-convention") { db in
            // The PostgreSQL store's column names (snake_case), so the store core's SQL serves both; and the
            // columns a team's store records that the embedded store lacked, left empty here.
            try db.execute(sql: """
                ALTER TABLE version RENAME COLUMN commitID TO commit_id;
                ALTER TABLE version RENAME COLUMN planJSON TO plan_json;
                ALTER TABLE version RENAME COLUMN planDigest TO plan_digest;
                ALTER TABLE version RENAME COLUMN sourcePath TO source_path;
                ALTER TABLE version RENAME COLUMN pipelinePath TO pipeline_path;
                ALTER TABLE version RENAME COLUMN submittedBy TO submitted_by;
                ALTER TABLE version RENAME COLUMN submittedAt TO submitted_at;
                ALTER TABLE version RENAME COLUMN cancelledAt TO cancelled_at;
                ALTER TABLE attempt RENAME COLUMN versionID TO version_id;
                ALTER TABLE attempt RENAME COLUMN stageIndex TO stage_index;
                ALTER TABLE attempt RENAME COLUMN createdAt TO created_at;
                ALTER TABLE attempt RENAME COLUMN startedAt TO started_at;
                ALTER TABLE attempt RENAME COLUMN finishedAt TO finished_at;
                ALTER TABLE attempt RENAME COLUMN requestedBy TO requested_by;
                ALTER TABLE attempt RENAME COLUMN preemptedBy TO preempted_by;
                ALTER TABLE task RENAME COLUMN attemptID TO attempt_id;
                ALTER TABLE task RENAME COLUMN afterTaskID TO after_task_id;
                ALTER TABLE task RENAME COLUMN exitCode TO exit_code;
                ALTER TABLE task RENAME COLUMN logPath TO log_path;
                ALTER TABLE task RENAME COLUMN startedAt TO started_at;
                ALTER TABLE task RENAME COLUMN finishedAt TO finished_at;
                ALTER TABLE artifact RENAME COLUMN versionID TO version_id;
                ALTER TABLE artifact RENAME COLUMN attemptID TO attempt_id;
                ALTER TABLE artifact RENAME COLUMN commitID TO commit_id;
                ALTER TABLE artifact RENAME COLUMN startedAt TO started_at;
                ALTER TABLE artifact RENAME COLUMN finishedAt TO finished_at;
                ALTER TABLE artifact RENAME COLUMN exitCode TO exit_code;
                ALTER TABLE lease RENAME COLUMN attemptID TO attempt_id;
                ALTER TABLE lease RENAME COLUMN taskID TO task_id;
                ALTER TABLE deploy RENAME COLUMN versionID TO version_id;
                ALTER TABLE deploy RENAME COLUMN attemptID TO attempt_id;
                ALTER TABLE deploy RENAME COLUMN taskID TO task_id;
                ALTER TABLE deploy RENAME COLUMN artifactsJSON TO artifacts_json;
                ALTER TABLE deploy RENAME COLUMN configDigest TO config_digest;
                ALTER TABLE deploy RENAME COLUMN scriptDigest TO script_digest;
                ALTER TABLE deploy RENAME COLUMN startedAt TO started_at;
                ALTER TABLE deploy RENAME COLUMN finishedAt TO finished_at;
                ALTER TABLE decision RENAME COLUMN attemptID TO attempt_id;
                ALTER TABLE decision RENAME COLUMN versionID TO version_id;
                ALTER TABLE audit RENAME COLUMN versionID TO version_id;
                ALTER TABLE audit RENAME COLUMN previousHash TO previous_hash;
                ALTER TABLE attempt ADD COLUMN engine TEXT;
                ALTER TABLE deploy ADD COLUMN engine TEXT;
                CREATE INDEX audit_version ON audit(version_id);
                """)
        }
        migrator.registerMigration("v6-paths-relative-to-the-state-folder") { db in
            // The release recorded absolute paths. The state folder each row was written under is the part of a log
            // path before `/logs/v` (the folder may have moved since); a version without logs takes any row's, else
            // the folder as it is now.
            var folderOfVersion: [Int64: String] = [:]
            var someFolder: String?
            for row in try Row.fetchAll(db, sql: """
                SELECT t.id, t.log_path, a.version_id FROM task t JOIN attempt a ON a.id = t.attempt_id
                WHERE t.log_path LIKE '/%'
                """) {
                let path: String = row["log_path"]
                guard let logs = path.range(of: "/logs/v", options: .backwards) else { continue }
                let old = String(path[..<logs.lowerBound])
                try db.execute(sql: "UPDATE task SET log_path = ? WHERE id = ?",
                               arguments: [StatePaths.recorded(path, stateFolder: old), row["id"]])
                folderOfVersion[row["version_id"]] = old
                someFolder = old
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, source_path, pipeline_path FROM version") {
                let id: Int64 = row["id"]
                let old = folderOfVersion[id] ?? someFolder ?? folder
                try db.execute(sql: "UPDATE version SET source_path = ?, pipeline_path = ? WHERE id = ?", arguments: [
                    StatePaths.recorded(row["source_path"], stateFolder: old),
                    StatePaths.recorded(row["pipeline_path"], stateFolder: old), id,
                ])
            }
        }
        migrator.registerMigration("v7-blocked-versions") { db in
            try db.execute(sql: """
                ALTER TABLE version ADD COLUMN blocked_by INTEGER;
                ALTER TABLE version ADD COLUMN blocked_reason TEXT;
                """)
        }
        migrator.registerMigration("v8-plan-origin-and-decision-indexes") { db in
            // `show` and `status` read a version's decisions, an approval its attempt's.
            try db.execute(sql: """
                ALTER TABLE version ADD COLUMN plan_origin TEXT;
                CREATE INDEX decision_version ON decision(version_id);
                CREATE INDEX decision_attempt ON decision(attempt_id);
                """)
        }
        migrator.registerMigration("v9-audit-seal") { db in
            // HMAC of each entry's hash under a key kept outside the database (`AuditWitness`).
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN seal TEXT")
        }
        migrator.registerMigration("v10-triggers") { db in
            // One row per commit a trigger saw on a followed branch: the version made of it, or why none was.
            try db.execute(sql: """
                ALTER TABLE version ADD COLUMN triggered_by TEXT;
                ALTER TABLE version ADD COLUMN branch TEXT;
                CREATE TABLE trigger_commit (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, branch TEXT NOT NULL, commit_id TEXT NOT NULL,
                  version_id INTEGER REFERENCES version(id), via TEXT NOT NULL, reason TEXT, at REAL NOT NULL,
                  UNIQUE (branch, commit_id));
                CREATE INDEX trigger_commit_branch ON trigger_commit(branch, id);
                """)
        }
        migrator.registerMigration("v11-notification-outbox") { db in
            // One row per event and `notify` target, written with the event; delivered at least once, in order.
            try db.execute(sql: """
                CREATE TABLE notification (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER, event TEXT NOT NULL, payload TEXT NOT NULL,
                  target TEXT NOT NULL, created_at REAL NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
                  next_at REAL NOT NULL, last_error TEXT, delivered_at REAL, claimed_by TEXT, claimed_until REAL);
                CREATE INDEX notification_pending ON notification(state, next_at);
                """)
        }
        migrator.registerMigration("v12-unsettled-index-the-queries-use") { db in
            // SQLite uses a partial index only where a query's condition is the index's own: the queries say
            // `NOT settled` (as on PostgreSQL), so `settled = 0` left every settle reading the whole history.
            try db.execute(sql: """
                DROP INDEX version_unsettled;
                CREATE INDEX version_unsettled ON version(id) WHERE NOT settled;
                """)
        }
        migrator.registerMigration("v13-index-on-a-tasks-predecessor") { db in
            // The foreign key's child side: without it, adding or removing a task walked every task of the history.
            try db.execute(sql: "CREATE INDEX task_after ON task(after_task_id)")
        }
        migrator.registerMigration("v14-delivery-facts") { db in
            for statement in DeliverySchema.statements { try db.execute(sql: statement) }
        }
        return migrator
    }
}
