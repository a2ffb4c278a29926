import PipelineModel

/// A value bound to a statement or read from a row, in the few types both databases share.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case bytes([UInt8])
}

/// A Swift value that binds to a statement as one `SQLValue`.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension RunState: SQLBindable { public var sqlValue: SQLValue { .text(rawValue) } }
extension Priority: SQLBindable { public var sqlValue: SQLValue { .text(rawValue) } }
extension TaskKind: SQLBindable { public var sqlValue: SQLValue { .text(rawValue) } }
extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// One statement, its text and its values kept apart: `"… WHERE id = \(id)"` binds `id`, never splices it. Each
/// database renders the placeholders of its dialect (`?` for SQLite, `$1` for PostgreSQL).
public struct SQL: Sendable, ExpressibleByStringInterpolation {
    enum Piece: Sendable {
        case text(String)
        case value(SQLValue)
        case list([SQLValue])
    }

    var pieces: [Piece]

    public init(stringLiteral value: String) {
        pieces = [.text(value)]
    }

    public init(stringInterpolation: Interpolation) {
        pieces = stringInterpolation.pieces
    }

    public struct Interpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) {
            pieces.append(.text(literal))
        }

        /// A bound value.
        public mutating func appendInterpolation(_ value: some SQLBindable) {
            pieces.append(.value(value.sqlValue))
        }

        /// A bound value, or NULL.
        public mutating func appendInterpolation<Value: SQLBindable>(_ value: Value?) {
            pieces.append(.value(value.sqlValue))
        }

        /// A parenthesised list of bound values, for `IN`: `(NULL)` when empty, so it matches nothing.
        public mutating func appendInterpolation(in values: [some SQLBindable]) {
            pieces.append(.list(values.map(\.sqlValue)))
        }

        /// Another statement's text and values, spliced in place (an optional clause).
        public mutating func appendInterpolation(_ sql: SQL) {
            pieces.append(contentsOf: sql.pieces)
        }

        /// Text spliced as it is: column lists and other fixed SQL, never input.
        public mutating func appendInterpolation(unescaped text: String) {
            pieces.append(.text(text))
        }
    }

    /// The statement's text with `placeholder(n)` for the n-th value (from 1), and the values in order.
    public func rendered(placeholder: (Int) -> String) -> (text: String, values: [SQLValue]) {
        var text = ""
        var values: [SQLValue] = []
        for piece in pieces {
            switch piece {
            case .text(let literal):
                text += literal
            case .value(let value):
                values.append(value)
                text += placeholder(values.count)
            case .list(let list):
                if list.isEmpty {
                    text += "(NULL)"
                    continue
                }
                var marks: [String] = []
                for value in list {
                    values.append(value)
                    marks.append(placeholder(values.count))
                }
                text += "(" + marks.joined(separator: ", ") + ")"
            }
        }
        return (text, values)
    }
}
