/// "Did you mean" suggestions by edit distance.
public enum Suggestion {
    /// The candidate closest to `word`, if it is close enough to be a likely typo — or the only one `word`
    /// abbreviates (`prod` → `production`).
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let extending = Set(candidates.filter { $0.lowercased().hasPrefix(word.lowercased()) && $0 != word })
        if !word.isEmpty, extending.count == 1, let only = extending.first { return only }
        // Equally close: the one as long as the word (`stauts` is `status` typed in the wrong order, not `stats`).
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased()), abs($0.count - word.count)) }
        guard let best = scored.min(by: { ($0.1, $0.2) < ($1.1, $1.2) }) else { return nil }
        let limit = max(1, min(3, best.0.count / 3 + 1))
        return best.1 <= limit ? best.0 : nil
    }

    /// Edit distance between two strings: insertions, deletions, substitutions and swaps of two neighbouring
    /// characters each count 1 (optimal string alignment).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
