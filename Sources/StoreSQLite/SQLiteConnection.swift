import Foundation
import GRDB
import StoreCore

/// The store core's statements on the state folder's SQLite write connection, inside a transaction that
/// `SQLiteStore.transaction` opened: `?` placeholders, statements compiled once per connection (the engine runs
/// the same few many times a second).
struct SQLiteConnection: SQLConnection {
    let writer: any DatabaseWriter

    func query(_ sql: StoreCore.SQL) async throws -> [SQLRow] {
        let (text, values) = sql.rendered { _ in "?" }
        return try access { db in
            let statement = try db.cachedStatement(sql: text)
            let columns = SQLRow.Columns(statement.columnNames)
            var rows: [SQLRow] = []
            let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(values))
            while let row = try cursor.next() {
                rows.append(SQLRow(columns: columns, values: row.databaseValues.map(Self.value)))
            }
            return rows
        }
    }

    func execute(_ sql: StoreCore.SQL) async throws -> Int {
        let (text, values) = sql.rendered { _ in "?" }
        return try access { db in
            try db.cachedStatement(sql: text).execute(arguments: Self.arguments(values))
            return db.changesCount
        }
    }

    /// A write transaction here already holds the whole database: nothing more to take.
    func hold(_ lock: TransactionLock) async throws {}

    /// Runs one statement of the transaction's own bookkeeping (BEGIN, COMMIT, a pragma).
    func control(_ text: String) throws {
        try access { db in try db.execute(sql: text) }
    }

    /// The write connection, synchronously: GRDB's async access throws in a cancelled task, and a cancelled job
    /// must still have its end recorded.
    private func access<Value>(_ body: (Database) throws -> Value) throws -> Value {
        try writer.writeWithoutTransaction(body)
    }

    private static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case .null: .null
            case .integer(let number): number.databaseValue
            case .real(let number): number.databaseValue
            case .text(let text): text.databaseValue
            case .bool(let flag): (flag ? 1 : 0 as Int64).databaseValue
            case .bytes(let bytes): Data(bytes).databaseValue
            }
        })
    }

    private static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .bytes(Array(data))
        }
    }
}
