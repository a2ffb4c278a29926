import Foundation

/// Rows of cells laid out in columns as wide as their widest cell (colour escapes not counted), two spaces apart;
/// the last column is left as long as it is.
enum TextTable {
    static func render(_ rows: [[String]]) -> [String] {
        var widths: [Int] = []
        for row in rows {
            for (index, cell) in row.enumerated().dropLast() {
                if index >= widths.count { widths.append(0) }
                widths[index] = max(widths[index], visibleWidth(cell))
            }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : TextStyle.pad(cell, widths[index] + 2)
            }.joined().trimmingTrailingSpaces()
        }
    }

    /// Columns `text` takes on a terminal: colour escapes take none.
    static func visibleWidth(_ text: String) -> Int {
        text.contains("\u{1B}")
            ? text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression).count : text.count
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
