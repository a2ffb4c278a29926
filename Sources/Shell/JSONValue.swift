import Foundation

/// A JSON document built by commands and printed with `--json`.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }

    /// An integer value.
    public static func int<T: BinaryInteger>(_ value: T) -> JSONValue { .number(Double(value)) }
    /// A string, or null when nil.
    public static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    /// A time in seconds since 1970 as an ISO 8601 string, or null.
    public static func time(_ seconds: Double?) -> JSONValue {
        seconds.map { .string(TimeText.iso(seconds: $0)) } ?? .null
    }

    /// Compact JSON text, keys in the order given.
    public func rendered() -> String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { output += String(Int64(value)) } else { output += String(value) }
        case .string(let value): Self.quote(value, into: &output)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let pairs):
            output += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { output += "," }
                Self.quote(key, into: &output)
                output += ":"
                value.write(to: &output)
            }
            output += "}"
        }
    }

    private static func quote(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    output += String(format: "\\u%04x", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

/// Times for people and for JSON, formatted with the C library (Foundation's formatters are slow to create).
public enum TimeText {
    /// `2026-11-27T14:02:03.123Z`.
    public static func iso(seconds: Double) -> String {
        let millis = String(Int((seconds - seconds.rounded(.down)) * 1000))
        return format(seconds, "%Y-%m-%dT%H:%M:%S", utc: true) + "." + String(repeating: "0", count: 3 - millis.count) + millis + "Z"
    }

    /// `2026-11-27 14:02:03` local time.
    public static func clock(seconds: Double) -> String {
        format(seconds, "%Y-%m-%d %H:%M:%S", utc: false)
    }

    /// `Dec 07` local time.
    public static func day(seconds: Double) -> String {
        format(seconds, "%b %d", utc: false)
    }

    /// `2026` local time.
    public static func year(seconds: Double) -> String {
        format(seconds, "%Y", utc: false)
    }

    private static func format(_ seconds: Double, _ pattern: String, utc: Bool) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        if utc { gmtime_r(&time, &parts) } else { localtime_r(&time, &parts) }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `2.1s`, `3m04s`, `5h07m`, `2d03h`.
    public static func elapsed(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return total < 86_400 ? String(format: "%dh%02dm", total / 3600, total % 3600 / 60)
            : String(format: "%dd%02dh", total / 86_400, total % 86_400 / 3600)
    }
}
