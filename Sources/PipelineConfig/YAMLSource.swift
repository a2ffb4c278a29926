import Yams

/// The text handed to Yams and how its positions map back to the pipeline file.
///
/// Yams refuses a mapping with duplicate keys. To report every duplicate where it is and keep
/// checking the rest of the file, the first occurrence of a duplicated key is renamed by
/// inserting a marker before it; `originalKey(_:)` strips the marker again and
/// `position(of:)` undoes the column shift the insertion caused.
struct YAMLSource {
    private static let markerStart: Unicode.Scalar = "\u{E000}"
    private static let markerEnd: Unicode.Scalar = "\u{E001}"

    private var scalars: [Unicode.Scalar]
    /// The file position of each scalar, plus one for the end of the text; inserted scalars
    /// take the position of the scalar they were inserted before.
    private var origins: [SourcePosition]
    private var lineStarts: [Int]
    private(set) var renamedKeyCount = 0

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.scalars = scalars
        lineStarts = Self.lineStarts(of: scalars)
        origins = []
        origins.reserveCapacity(scalars.count + 1)
        for (line, start) in lineStarts.enumerated() {
            let end = line + 1 < lineStarts.count ? lineStarts[line + 1] : scalars.count + 1
            for index in start..<end {
                origins.append(SourcePosition(line: line + 1, column: index - start + 1))
            }
        }
    }

    var text: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// The file position of a position Yams reported in `text`.
    func position(of mark: Mark) -> SourcePosition {
        guard renamedKeyCount > 0, let index = index(of: mark) else { return SourcePosition(mark) }
        return origins[index]
    }

    /// The character Yams reported a position for, if the position is inside the text.
    func scalar(at mark: Mark) -> Unicode.Scalar? {
        guard let index = index(of: mark), index < scalars.count else { return nil }
        return scalars[index]
    }

    /// Inserts a marker into the key that starts at `mark`; false if no plain or quoted key starts there.
    mutating func renameKey(at mark: Mark) -> Bool {
        guard var index = index(of: mark), index < scalars.count else { return false }
        let first = scalars[index]
        if first == "\"" || first == "'" {
            index += 1
        } else if "&*!?|>[]{}#%@`,".unicodeScalars.contains(first) || first.properties.isWhitespace {
            return false
        }
        let marker = [Self.markerStart] + Array(String(renamedKeyCount).unicodeScalars) + [Self.markerEnd]
        scalars.insert(contentsOf: marker, at: index)
        origins.insert(contentsOf: Array(repeating: origins[index], count: marker.count), at: index)
        lineStarts = Self.lineStarts(of: scalars)
        renamedKeyCount += 1
        return true
    }

    /// A key as written in the file, without the marker `renameKey(at:)` inserted.
    static func originalKey(_ key: String) -> String {
        let view = key.unicodeScalars
        guard view.first == markerStart, let end = view.firstIndex(of: markerEnd) else { return key }
        return String(view[view.index(after: end)...])
    }

    private func index(of mark: Mark) -> Int? {
        guard mark.line >= 1, mark.line <= lineStarts.count, mark.column >= 1 else { return nil }
        let index = lineStarts[mark.line - 1] + mark.column - 1
        let lineEnd = mark.line < lineStarts.count ? lineStarts[mark.line] : scalars.count + 1
        return index < lineEnd ? index : nil
    }

    /// Where each line starts, breaking lines where libyaml does.
    private static func lineStarts(of scalars: [Unicode.Scalar]) -> [Int] {
        var starts = [0]
        var index = 0
        while index < scalars.count {
            switch scalars[index] {
            case "\r" where index + 1 < scalars.count && scalars[index + 1] == "\n":
                index += 1
                starts.append(index + 1)
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                starts.append(index + 1)
            default:
                break
            }
            index += 1
        }
        return starts
    }
}
