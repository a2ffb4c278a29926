import Foundation

/// Durations as people write them: `90s`, `10m`, `1h30m`.
public enum DurationText {
    /// `3600` → `1h`, `90` → `1m30s`.
    public static func format(seconds: Int) -> String {
        if seconds == 0 { return "0s" }
        var parts: [String] = []
        let hours = seconds / 3600, minutes = seconds % 3600 / 60, rest = seconds % 60
        if hours > 0 { parts.append("\(hours)h") }
        if minutes > 0 { parts.append("\(minutes)m") }
        if rest > 0 { parts.append("\(rest)s") }
        return parts.joined()
    }

    /// Parses `90s`, `10m`, `1h`, `1h30m`, `250ms`, `30d`, `2w` into seconds, and a bare number as seconds (`timeout 5` reads
    /// so); nil when malformed.
    public static func parse(_ text: String) -> Double? {
        var total = 0.0
        var digits = ""
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard !rest.isEmpty else { return nil }
        if rest.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let seconds = Double(rest) { return seconds }
        while let character = rest.first {
            if character.isNumber || character == "." {
                digits.append(character)
                rest = rest.dropFirst()
                continue
            }
            guard let value = Double(digits) else { return nil }
            digits = ""
            if rest.hasPrefix("ms") { total += value / 1000; rest = rest.dropFirst(2); continue }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86_400
            case "w": total += value * 604_800
            default: return nil
            }
            rest = rest.dropFirst()
        }
        guard digits.isEmpty else { return nil }
        return total
    }
}
