import PostgresNIO
import StoreCore

/// The store core's statements on one PostgreSQL connection inside a transaction: `$n` placeholders, values
/// bound in PostgreSQL's binary format, rows read back into `SQLValue`s.
struct PostgresSQLConnection: SQLConnection {
    let connection: StoreConnection

    func query(_ sql: SQL) async throws -> [SQLRow] {
        try await run(sql).rows
    }

    func execute(_ sql: SQL) async throws -> Int {
        try await run(sql).changed
    }

    func hold(_ lock: TransactionLock) async throws {
        switch lock {
        case .audit: try await PostgresStore.take(.audit, connection)
        }
    }

    /// Every statement's rows in one round trip: each becomes a JSON array of its rows (in its own order), read back
    /// as the rows the statement would have returned.
    func queryEach(_ statements: [SQL]) async throws -> [[SQLRow]] {
        guard statements.count > 1 else { return statements.isEmpty ? [] : [try await query(statements[0])] }
        var combined: SQL = "SELECT "
        for (index, statement) in statements.enumerated() {
            let separator = index == 0 ? "" : ", "
            combined = """
                \(combined)\(unescaped: separator)(SELECT coalesce(json_agg(q), '[]')::text FROM (\(statement)) q) \
                AS r\(unescaped: String(index))
                """
        }
        guard let row = try await run(combined).rows.first else {
            throw StoreError.unavailable("the PostgreSQL server returned no row for a combined read")
        }
        return try statements.indices.map { index in try JSONRows.rows(from: try row.string("r\(index)")) }
    }

    private func run(_ sql: SQL) async throws -> (rows: [SQLRow], changed: Int) {
        let (text, values) = sql.rendered { "$\($0)" }
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .bool(let flag): bindings.append(flag)
            case .bytes(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        let result = try await connection.query(PostgresQuery(unsafeSQL: text, binds: bindings))
        var rows: [SQLRow] = []
        rows.reserveCapacity(result.rows.count)
        var columns: SQLRow.Columns?
        for row in result.rows {
            let cells = Array(row)
            let shared = columns ?? SQLRow.Columns(cells.map(\.columnName))
            columns = shared
            rows.append(SQLRow(columns: shared, values: try cells.map(Self.value)))
        }
        return (rows, result.metadata.rows ?? 0)
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard let bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .bytea: return .bytes(Array(bytes.readableBytesView))
        default: return .text(try cell.decode(String.self))
        }
    }
}

extension PostgresStore: SQLDatabase {
    @discardableResult
    public func transaction<Result: Sendable>(
        _ kind: TransactionKind, _ body: @Sendable (any SQLConnection) async throws -> Result
    ) async throws -> Result {
        // A transaction that may have appended to the audit chain leaves its head witnessed on this machine.
        try await AuditWitness.witnessing(kind == .read ? nil : auditWitness) { try await run(kind, body) }
    }

    private func run<Result: Sendable>(
        _ kind: TransactionKind, _ body: @Sendable (any SQLConnection) async throws -> Result
    ) async throws -> Result {
        switch kind {
        case .read:
            return try await snapshotRead { try await body(PostgresSQLConnection(connection: $0)) }
        case .write, .durable:
            // Every commit waits for the server's WAL flush (synchronous_commit on): durable already.
            return try await transaction { try await body(PostgresSQLConnection(connection: $0)) }
        case .scheduling:
            return try await schedulingTransaction { try await body(PostgresSQLConnection(connection: $0)) }
        }
    }
}
