import Foundation
import StoreCore

/// Rows PostgreSQL gave as a JSON array of objects (`json_agg`), read back as the `SQLRow`s the statement would have
/// returned: numbers as integers when they are whole and written without a point, text, booleans and nulls as
/// themselves. (No column the combined reads return is `bytea`.)
enum JSONRows {
    static func rows(from json: String) throws -> [SQLRow] {
        let objects = try JSONDecoder().decode([[String: Cell]].self, from: Data(json.utf8))
        var columns: (names: [String], shared: SQLRow.Columns)?
        return objects.map { object in
            let names = object.keys.sorted()
            if columns?.names != names { columns = (names, SQLRow.Columns(names)) }
            return SQLRow(columns: columns!.shared, values: names.map { object[$0]!.value })
        }
    }

    private struct Cell: Decodable {
        let value: SQLValue

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .null
            } else if let flag = try? container.decode(Bool.self) {
                value = .bool(flag)
            } else if let number = try? container.decode(Int64.self) {
                value = .integer(number)
            } else if let number = try? container.decode(Double.self) {
                value = .real(number)
            } else {
                value = .text(try container.decode(String.self))
            }
        }
    }
}
