import Foundation

/// `KEY=VALUE` environment files, with secret-looking values masked.
enum ConfigFile {
    static let secretWords = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH"]

    static func parse(_ text: String, secrets: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = isSecret(key, value: value, declared: secrets) ? "****" : value
        }
        return values
    }

    static func isSecret(_ key: String, value: String, declared: [String]) -> Bool {
        let upper = key.uppercased()
        return declared.contains(key) || secretWords.contains { upper.contains($0) }
            || value.range(of: #"://[^/\s:@]+:[^/\s@]+@"#, options: .regularExpression) != nil
    }
}
