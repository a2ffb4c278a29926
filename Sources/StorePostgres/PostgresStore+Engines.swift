import Foundation
import StoreCore
import PostgresNIO

/// Engines on several machines: each heart-beats under its name; one that stops beating for longer than a grace
/// period has its running work marked `interrupted` by another (never re-run on its own: `rerun` does that).
extension PostgresStore: TeamStore {
    /// The database server's clock, in seconds since 1970: every engine's heartbeat and every reaping decision use
    /// it, so machines whose clocks disagree cannot declare each other dead.
    public func serverNow() async throws -> Double {
        try await idempotent { connection in
            if let now = try await connection.value("SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8", as: Double.self) {
                return now
            }
            throw StoreError.unavailable("the PostgreSQL server did not say what time it is")
        }
    }

    /// Records that this store's engine (this process: `host`, `pid`) is alive. Returns false when its row was gone
    /// or held by another process — another engine declared it dead and interrupted its work, so whatever it
    /// still runs must stop — after registering it again.
    @discardableResult
    public func heartbeat(host: String, pid: Int, now: Double) async throws -> Bool {
        guard let engineName else { throw StoreError.unavailable("a heartbeat needs an engine name") }
        let labels = engineLabels
        let beat = try await idempotent { connection in
            try await !connection.query("""
                UPDATE engine SET heartbeat_at = \(now) WHERE name = \(engineName) AND host = \(host) AND pid = \(pid)
                RETURNING name
                """).rows.isEmpty
        }
        if beat { return true }
        try await transaction { connection in
            try await Self.register(engineName, host: host, pid: pid, labels: labels, now: now, starting: false, connection)
        }
        return false
    }

    /// Records `name` as this process's, with its labels; `starting` also resets when it started.
    static func register(
        _ name: String, host: String, pid: Int, labels: [String], now: Double, starting: Bool,
        _ connection: StoreConnection
    ) async throws {
        let joined = labels.joined(separator: ",")
        let restart: PostgresQuery = starting ? "started_at = EXCLUDED.started_at," : ""
        try await connection.query("""
            INSERT INTO engine (name, host, pid, started_at, heartbeat_at, labels)
            VALUES (\(name), \(host), \(pid), \(now), \(now), \(joined))
            ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, \(unescaped: restart.sql)
              heartbeat_at = EXCLUDED.heartbeat_at, labels = EXCLUDED.labels
            """)
    }

    /// Takes this store's engine name for this process, in one transaction: refused while another live process under
    /// the same name beat within `grace` seconds (two engines must not share a name). Returns the host the name was
    /// last used on (nil for a new name), so leftovers of an earlier run are only looked for on that machine.
    @discardableResult
    public func claimName(host: String, pid: Int, grace: Double, now: Double) async throws -> String? {
        guard let engineName else { throw StoreError.unavailable("an engine needs a name") }
        let labels = engineLabels
        return try await transaction { connection in
            // Two engines starting under one new name at once: the second waits here and then sees the first.
            try await Self.take(.engineName, key: engineName, connection)
            let previous: (host: String, pid: Int, beat: Double)? = try await connection.query(
                "SELECT host, pid, heartbeat_at FROM engine WHERE name = \(engineName) FOR UPDATE")
                .rows.first.map { try $0.decode((String, Int, Double).self) }
            // Refused while another process holds the name — unless it ran on this machine and is gone (it crashed:
            // restarting it must not wait out the grace period).
            let gone = previous.map { $0.host == host && kill(pid_t($0.pid), 0) != 0 && errno == ESRCH } ?? false
            if let previous, previous.beat >= now - grace, previous.host != host || previous.pid != pid, !gone {
                throw StoreError.refused("engine \(engineName) is already running on \(previous.host) (pid \(previous.pid))",
                                         hint: "give each engine its own --name; a stopped engine's name is free again "
                                             + "\(Int(grace)) s after its last heartbeat")
            }
            try await Self.register(engineName, host: host, pid: pid, labels: labels, now: now, starting: true, connection)
            return previous?.host
        }
    }

    /// Tells every listening engine that a shell recorded new work (a submit, an approval, a rerun…).
    public func announceWork() async throws {
        try await idempotent { connection in try await connection.query("SELECT pg_notify('cdsh_work', '')") }
    }

    /// Calls `wake` whenever work is announced, and once each time it (re)starts listening; reconnects after a
    /// lost connection. Runs until the calling task is cancelled.
    public func listenForWork(_ wake: @escaping @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: "cdsh_work") { notifications in
                        wake()
                        for try await _ in notifications { wake() }
                    }
                }
            } catch {
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Removes this store's engine from the engine table, as it stops with nothing left running.
    public func leave() async throws {
        guard let engineName else { return }
        try await idempotent { connection in
            try await connection.query("DELETE FROM engine WHERE name = \(engineName)")
        }
    }

    /// Engines silent for more than `grace` seconds: their running work is interrupted (`interruptRunningWork`)
    /// and they leave the engine table. Returns their names and tasks.
    public func recoverDeadEngines(grace: Double, now: Double) async throws -> (engines: [String], tasks: [TaskRecord]) {
        try await transaction(.scheduling) { connection in
            // Silent engines, and engines that left or were removed while a task of theirs still shows running.
            let dead = try await connection.query("""
                SELECT name FROM engine WHERE heartbeat_at < \(now - grace)
                UNION SELECT DISTINCT engine FROM task
                  WHERE state = 'running' AND engine IS NOT NULL AND engine NOT IN (SELECT name FROM engine)
                ORDER BY 1
                """).map { try $0.string("name") }
            var running: [TaskRecord] = []
            for engine in dead {
                running += try await Self.interruptRunningWork(
                    ofEngines: [engine], reason: "engine \(engine) stopped beating while it ran; `rerun` starts a new attempt",
                    now: now, connection)
            }
            try await connection.execute("DELETE FROM engine WHERE name IN \(in: dead)")
            return (dead, running)
        }
    }

    /// Called by an engine as it starts: whatever an earlier run under the same name left `running` died with that
    /// run, so it becomes `interrupted` at once (without waiting for the grace period). Returns those tasks, so
    /// their leftover process groups on this machine can be stopped.
    public func recoverOwnWork(now: Double) async throws -> [TaskRecord] {
        guard let engineName else { throw StoreError.unavailable("recovering an engine's work needs its name") }
        return try await interruptRunningWork(
            ofEngines: [engineName], reason: "engine \(engineName) stopped while it ran; `rerun` starts a new attempt",
            now: now)
    }

    /// Tasks recorded running under this engine's name, started before `startedBefore`, that this process does
    /// not run (`running`): an earlier process under the name, SIGKILLed as its last transaction was sent, can have
    /// that transaction commit after this one recovered its work. They become `interrupted`; returns them.
    public func recoverStrayWork(running: Set<Int64>, startedBefore: Double, now: Double) async throws -> [TaskRecord] {
        guard let engineName else { return [] }
        return try await transaction(.scheduling) { connection in
            let stray = try await connection.query("""
                SELECT id FROM task WHERE state = 'running' AND engine = \(engineName) AND started_at < \(startedBefore)
                """).map { try $0.int64("id") }.filter { !running.contains($0) }
            guard !stray.isEmpty else { return [] }
            return try await Self.interruptRunningWork(
                ofEngines: [engineName], only: stray, reason: "engine \(engineName) restarted and no longer ran it; "
                    + "`rerun` starts a new attempt", now: now, connection)
        }
    }

    /// Which engine ran each of these tasks (for `show` and the audit of a team's pipeline).
    public func taskEngines(of attemptIDs: [Int64]) async throws -> [Int64: String] {
        try await transaction(.read) { connection in
            var engines: [Int64: String] = [:]
            for row in try await connection.query(
                "SELECT id, engine FROM task WHERE attempt_id IN \(in: attemptIDs) AND engine IS NOT NULL") {
                engines[try row.int64("id")] = try row.string("engine")
            }
            return engines
        }
    }
}
