import Foundation
import PostgresNIO
import StoreCore

/// The store contracts on PostgreSQL: every read and transition comes from `SQLStore`; what is PostgreSQL's own
/// here is where a task's log is kept for shells on other machines (`task_log`, `task_log_chunk`).
extension PostgresStore: SQLStore, LogArchive {
    /// The most a task's log keeps in the database: its last 8 MiB.
    static let logLimit = 8 << 20

    /// A team's paths name files and repositories on the machines that wrote them: recorded as they are.
    public var relativePathBase: String? { nil }

    /// A team's engines run the work their labels allow (`runs-on:`).
    public var placesWork: Bool { true }

    /// Each machine witnesses the team's chain in its own `$XDG_STATE_HOME/cdsh/witness` (default
    /// `~/.local/state`), one file per database: what this machine appended is checked here.
    public var auditWitness: AuditWitness? {
        let environment = ProcessInfo.processInfo.environment
        let name = "\(location.user)@\(location.host)-\(location.port)-\(location.database)"
            .map { $0.isLetter || $0.isNumber || "@.-_".contains($0) ? $0 : "_" }
        // The seal's key is the team's, shared by every machine: made by the team, named by CDSH_AUDIT_KEY_FILE.
        let key = environment["CDSH_AUDIT_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return AuditWitness(path: "\(UserStateFolder.path(environment: environment))/witness/\(String(name))", keyPath: key)
    }

    public func keepLog(ofTask taskID: Int64, at path: String) async throws {
        guard let content = Self.logContent(at: path) else { return }
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO task_log (task_id, content) VALUES (\(taskID), \(content))
                ON CONFLICT (task_id) DO UPDATE SET content = EXCLUDED.content
                """)
            try await connection.query("DELETE FROM task_log_chunk WHERE task_id = \(taskID)")
        }
    }

    /// Ships output of a running task (the engine calls it about once a second while the task runs).
    public func appendLog(taskID: Int64, offset: Int64, bytes: Data) async throws {
        try await idempotent { connection in
            try await connection.query("""
                INSERT INTO task_log_chunk (task_id, "offset", bytes)
                VALUES (\(taskID), \(offset), \(ByteBuffer(bytes: bytes)))
                ON CONFLICT DO NOTHING
                """)
        }
    }

    public func removeStoredLogs(ofTasks taskIDs: [Int64], dryRun: Bool) async throws -> Int {
        guard !taskIDs.isEmpty else { return 0 }
        return try await transaction { connection in
            let count = try await connection.value("SELECT count(*) FROM task_log WHERE task_id = ANY(\(taskIDs))",
                                                   as: Int64.self) ?? 0
            if !dryRun {
                try await connection.query("DELETE FROM task_log WHERE task_id = ANY(\(taskIDs))")
                try await connection.query("DELETE FROM task_log_chunk WHERE task_id = ANY(\(taskIDs))")
            }
            return Int(count)
        }
    }

    public func storedLog(ofTask taskID: Int64) async throws -> Data? {
        try await idempotent { connection in try await Self.readLog(ofTask: taskID, connection) }
    }

    private static func readLog(ofTask taskID: Int64, _ connection: StoreConnection) async throws -> Data? {
        if let content = try await connection.value("SELECT content FROM task_log WHERE task_id = \(taskID)",
                                                    as: ByteBuffer.self) {
            return Data(content.readableBytesView)
        }
        var shipped: Data?
        for row in try await connection.query("""
            SELECT "offset", bytes FROM task_log_chunk WHERE task_id = \(taskID) ORDER BY "offset"
            """).rows {
            let (offset, bytes) = try row.decode((Int64, ByteBuffer).self)
            guard offset == shipped?.count ?? 0 else { continue }
            shipped = shipped ?? Data()
            shipped!.append(contentsOf: bytes.readableBytesView)
        }
        return shipped
    }

    static func logContent(at path: String) -> ByteBuffer? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(logLimit) ? size - UInt64(logLimit) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        var buffer = ByteBuffer()
        if start > 0 { buffer.writeString("cdsh: the first \(start) bytes of this log are kept only on the engine's machine\n") }
        buffer.writeBytes(data)
        return buffer
    }
}
