import PostgresNIO
import StoreCore

/// The PostgreSQL schema, as named migrations applied once each and in order (the SQLite store has its own).
enum PostgresMigrations {
    static let all: [(name: String, sql: [String])] = [
        ("v1-versions-and-audit", [
            """
            CREATE TABLE version (
              id BIGSERIAL PRIMARY KEY,
              commit_id TEXT NOT NULL, ref TEXT NOT NULL, priority TEXT NOT NULL, note TEXT,
              plan_json TEXT NOT NULL, plan_digest TEXT NOT NULL, source_path TEXT NOT NULL, pipeline_path TEXT NOT NULL,
              submitted_by TEXT NOT NULL, submitted_at DOUBLE PRECISION NOT NULL, cancelled_at DOUBLE PRECISION,
              settled BOOLEAN NOT NULL DEFAULT FALSE)
            """,
            "CREATE INDEX version_commit ON version (commit_id text_pattern_ops)",
            "CREATE INDEX version_unsettled ON version (settled) WHERE NOT settled",
            """
            CREATE TABLE audit (
              id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
              version_id BIGINT, detail TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_version ON audit (version_id)",
        ]),
        ("v2-artifact-blobs", [
            "CREATE TABLE blob (digest TEXT PRIMARY KEY, size BIGINT NOT NULL, chunks INTEGER NOT NULL)",
            """
            CREATE TABLE blob_chunk (
              digest TEXT NOT NULL REFERENCES blob(digest), seq INTEGER NOT NULL, sha256 TEXT NOT NULL,
              bytes BYTEA NOT NULL, PRIMARY KEY (digest, seq))
            """,
        ]),
        ("v3-attempts-tasks-leases", [
            """
            CREATE TABLE attempt (
              id BIGSERIAL PRIMARY KEY, version_id BIGINT NOT NULL REFERENCES version(id),
              stage_index INTEGER NOT NULL, stage TEXT NOT NULL, number INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT,
              created_at DOUBLE PRECISION NOT NULL, started_at DOUBLE PRECISION, finished_at DOUBLE PRECISION,
              environment TEXT, requested_by TEXT, preempted_by BIGINT,
              UNIQUE (version_id, stage_index, number))
            """,
            """
            CREATE TABLE task (
              id BIGSERIAL PRIMARY KEY, attempt_id BIGINT NOT NULL REFERENCES attempt(id),
              kind TEXT NOT NULL, name TEXT NOT NULL, environment TEXT, after_task_id BIGINT REFERENCES task(id),
              state TEXT NOT NULL, exit_code INTEGER, reason TEXT, pid INTEGER, log_path TEXT,
              started_at DOUBLE PRECISION, finished_at DOUBLE PRECISION)
            """,
            "CREATE INDEX task_attempt ON task (attempt_id)",
            """
            CREATE TABLE lease (
              environment TEXT PRIMARY KEY, attempt_id BIGINT NOT NULL REFERENCES attempt(id),
              task_id BIGINT REFERENCES task(id))
            """,
            """
            CREATE TABLE artifact (
              id BIGSERIAL PRIMARY KEY, version_id BIGINT NOT NULL REFERENCES version(id),
              attempt_id BIGINT NOT NULL REFERENCES attempt(id), path TEXT NOT NULL, sha256 TEXT NOT NULL,
              size BIGINT NOT NULL, commit_id TEXT NOT NULL, job TEXT NOT NULL, command TEXT NOT NULL,
              started_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION NOT NULL, exit_code INTEGER NOT NULL,
              host TEXT NOT NULL, UNIQUE (attempt_id, path))
            """,
        ]),
        ("v4-engines", [
            """
            CREATE TABLE engine (
              name TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL,
              started_at DOUBLE PRECISION NOT NULL, heartbeat_at DOUBLE PRECISION NOT NULL)
            """,
            "ALTER TABLE attempt ADD COLUMN engine TEXT",
            "ALTER TABLE task ADD COLUMN engine TEXT",
        ]),
        ("v5-decisions", [
            """
            CREATE TABLE decision (
              id BIGSERIAL PRIMARY KEY, attempt_id BIGINT NOT NULL REFERENCES attempt(id),
              version_id BIGINT NOT NULL REFERENCES version(id), kind TEXT NOT NULL, who TEXT NOT NULL,
              reason TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)
            """,
        ]),
        ("v6-deploys", [
            """
            CREATE TABLE deploy (
              id BIGSERIAL PRIMARY KEY, environment TEXT NOT NULL, version_id BIGINT NOT NULL REFERENCES version(id),
              attempt_id BIGINT NOT NULL REFERENCES attempt(id), task_id BIGINT NOT NULL REFERENCES task(id),
              artifacts_json TEXT NOT NULL, config_digest TEXT, script_digest TEXT NOT NULL, who TEXT NOT NULL,
              started_at DOUBLE PRECISION NOT NULL, finished_at DOUBLE PRECISION, result TEXT NOT NULL, engine TEXT)
            """,
            "CREATE INDEX deploy_environment ON deploy (environment, id)",
            "CREATE INDEX deploy_version ON deploy (version_id)",
        ]),
        ("v7-task-logs", [
            "CREATE TABLE task_log (task_id BIGINT PRIMARY KEY REFERENCES task(id), content BYTEA NOT NULL)",
        ]),
        ("v8-running-task-logs", [
            """
            CREATE TABLE task_log_chunk (
              task_id BIGINT NOT NULL REFERENCES task(id), "offset" BIGINT NOT NULL, bytes BYTEA NOT NULL,
              PRIMARY KEY (task_id, "offset"))
            """,
        ]),
        ("v9-blocked-versions", [
            "ALTER TABLE version ADD COLUMN blocked_by BIGINT",
            "ALTER TABLE version ADD COLUMN blocked_reason TEXT",
        ]),
        ("v10-plan-origin-and-decision-indexes", [
            "ALTER TABLE version ADD COLUMN plan_origin TEXT",
            "CREATE INDEX decision_version ON decision (version_id)",
            "CREATE INDEX decision_attempt ON decision (attempt_id)",
        ]),
        ("v11-audit-seal", [
            "ALTER TABLE audit ADD COLUMN seal TEXT",
        ]),
        ("v12-blob-last-use", [
            // Server seconds when a job last stored or reused the blob: `gc` leaves recently used ones alone.
            "ALTER TABLE blob ADD COLUMN used_at DOUBLE PRECISION NOT NULL DEFAULT 0",
        ]),
        ("v13-triggers", [
            "ALTER TABLE version ADD COLUMN triggered_by TEXT",
            "ALTER TABLE version ADD COLUMN branch TEXT",
            """
            CREATE TABLE trigger_commit (
              id BIGSERIAL PRIMARY KEY, branch TEXT NOT NULL, commit_id TEXT NOT NULL,
              version_id BIGINT REFERENCES version(id), via TEXT NOT NULL, reason TEXT, at DOUBLE PRECISION NOT NULL,
              UNIQUE (branch, commit_id))
            """,
            "CREATE INDEX trigger_commit_branch ON trigger_commit (branch, id)",
        ]),
        ("v14-notification-outbox", [
            """
            CREATE TABLE notification (
              id BIGSERIAL PRIMARY KEY, version_id BIGINT, event TEXT NOT NULL, payload TEXT NOT NULL,
              target TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
              next_at DOUBLE PRECISION NOT NULL, last_error TEXT, delivered_at DOUBLE PRECISION, claimed_by TEXT,
              claimed_until DOUBLE PRECISION)
            """,
            "CREATE INDEX notification_pending ON notification (state, next_at)",
        ]),
        ("v15-engine-labels", [
            // Comma-separated, sorted: the `runs-on:` labels the engine declared (`cdsh engine --labels`).
            "ALTER TABLE engine ADD COLUMN labels TEXT NOT NULL DEFAULT ''",
        ]),
        ("v16-index-on-a-tasks-predecessor", [
            // The foreign key's child side: without it, removing a task (retention) walked every task.
            "CREATE INDEX task_after ON task (after_task_id)",
        ]),
        ("v17-delivery-facts", DeliverySchema.statements),
    ]

    /// Applies the migrations this database lacks, one transaction each, under an advisory lock so that engines
    /// and shells starting together do not race.
    static func migrate(_ store: PostgresStore) async throws {
        // Every shell command opens the store: one query when the schema is current, not a transaction per migration.
        if let applied = try? await store.idempotent({ try await $0.values("SELECT name FROM cdsh_migration", as: String.self) }),
           Set(all.map(\.name)).isSubset(of: applied) {
            return
        }
        for migration in all {
            // The lock comes first (taken as the transaction opens): two first starts must not both create the
            // bookkeeping table. Applied once under it, so safe to run again after a lost connection.
            try await store.retriedTransaction(locking: .migrations) { connection in
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS cdsh_migration (
                      name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """)
                guard try await connection.query("SELECT 1 FROM cdsh_migration WHERE name = \(migration.name)")
                    .rows.isEmpty else { return }
                for statement in migration.sql { try await connection.query(PostgresQuery(unsafeSQL: statement)) }
                try await connection.query("INSERT INTO cdsh_migration (name) VALUES (\(migration.name))")
            }
        }
    }
}
