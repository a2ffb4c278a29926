import Yams

/// A 1-based line and column in the pipeline file, columns counted in Unicode scalars as libyaml does.
struct SourcePosition: Comparable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int

    static let start = SourcePosition(line: 1, column: 1)

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ mark: Mark) {
        self.init(line: mark.line, column: mark.column)
    }

    static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    var description: String { "\(line):\(column)" }
}
