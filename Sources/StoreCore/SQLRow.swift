import PipelineModel

/// One row a query returned, read by column name; the typed readers accept what either database gives for the
/// type (SQLite has no boolean: 0 and 1).
public struct SQLRow: Sendable {
    /// Column name → position, shared by every row of one result.
    public final class Columns: Sendable {
        let positions: [String: Int]

        public init(_ names: [String]) {
            var positions: [String: Int] = [:]
            for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
            self.positions = positions
        }
    }

    let columns: Columns
    let values: [SQLValue]

    public init(columns: Columns, values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of `column`; `.null` when the row has no such column.
    public subscript(_ column: String) -> SQLValue {
        columns.positions[column].map { values[$0] } ?? .null
    }

    /// The value of the first column.
    public var first: SQLValue { values.first ?? .null }

    public func int64(_ column: String) throws -> Int64 {
        try Self.required(optionalInt64(column), column)
    }

    public func optionalInt64(_ column: String) throws -> Int64? {
        switch self[column] {
        case .null: return nil
        case .integer(let value): return value
        case .real(let value) where value.rounded() == value: return Int64(value)
        case .bool(let value): return value ? 1 : 0
        case let other: throw SQLRowError.type(column: column, expected: "integer", found: other)
        }
    }

    public func int(_ column: String) throws -> Int { Int(try int64(column)) }

    public func optionalInt(_ column: String) throws -> Int? { try optionalInt64(column).map(Int.init) }

    public func double(_ column: String) throws -> Double {
        try Self.required(optionalDouble(column), column)
    }

    public func optionalDouble(_ column: String) throws -> Double? {
        switch self[column] {
        case .null: return nil
        case .real(let value): return value
        case .integer(let value): return Double(value)
        case let other: throw SQLRowError.type(column: column, expected: "number", found: other)
        }
    }

    public func string(_ column: String) throws -> String {
        try Self.required(optionalString(column), column)
    }

    public func optionalString(_ column: String) throws -> String? {
        switch self[column] {
        case .null: return nil
        case .text(let value): return value
        case let other: throw SQLRowError.type(column: column, expected: "text", found: other)
        }
    }

    public func bool(_ column: String) throws -> Bool {
        switch self[column] {
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case let other: throw SQLRowError.type(column: column, expected: "boolean", found: other)
        }
    }

    public func bytes(_ column: String) throws -> [UInt8] {
        switch self[column] {
        case .bytes(let value): return value
        case .text(let value): return Array(value.utf8)
        case let other: throw SQLRowError.type(column: column, expected: "bytes", found: other)
        }
    }

    /// A text column holding one of `Value`'s raw values.
    public func value<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let text = try string(column)
        guard let value = Value(rawValue: text) else {
            throw SQLRowError.type(column: column, expected: "\(Value.self)", found: .text(text))
        }
        return value
    }

    private static func required<Value>(_ value: Value?, _ column: String) throws -> Value {
        guard let value else { throw SQLRowError.type(column: column, expected: "a value", found: .null) }
        return value
    }
}

/// A row that does not hold what the store wrote there: the database was edited by hand or is damaged.
public enum SQLRowError: UserFacingError, Sendable, CustomStringConvertible {
    case type(column: String, expected: String, found: SQLValue)

    public var description: String {
        switch self {
        case let .type(column, expected, found):
            "the state store's column `\(column)` holds \(Self.shown(found)) where \(expected) belongs; was the database edited?"
        }
    }

    public var message: String { description }
    public var hint: String? { nil }
    public var exitCode: Int32 { ExitCode.unavailable }

    private static func shown(_ value: SQLValue) -> String {
        switch value {
        case .null: "nothing"
        case .integer(let number): "the number \(number)"
        case .real(let number): "the number \(number)"
        case .text(let text): "\"\(text.prefix(40))\""
        case .bool(let flag): "\(flag)"
        case .bytes(let bytes): "\(bytes.count) bytes"
        }
    }
}
