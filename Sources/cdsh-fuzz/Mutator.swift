import Foundation

/// Makes inputs from valid seeds by splicing, deleting, duplicating and inserting characters that matter to the
/// grammar, plus entirely random text.
struct Mutator {
    static let commandSeeds = [
        "status", "status --limit 5 --json", "submit", "submit main --note 'first release'", "show v1 --json",
        "logs v2 commit build --follow", "artifacts latest", "verify v3", "rerun v1 sandbox", "approve v2 --reason ok",
        "reject v4 --reason \"not today\"", "wait v1 production --timeout 30s", "envs", "env production",
        "rollback production v1", "parity sandbox production", "diff v1 v2", "audit v1 --verify", "history 10",
        "queue", "cancel v7", "patch hotfix --reason CVE-2026-1 --preempt", "help wait", "exit",
        "status; show v1; logs v1 commit build", "approve v1 --reason 'it\\'s fine' ; wait v1",
    ]
    static let commandPieces = [
        " ", "  ", ";", ";;", "'", "\"", "\\", "--", "--json", "--reason", "--note=", "=", "v", "v0", "v-1",
        "v99999999999999999999", "latest", "\t", "\n", "\u{0}", "é", "東京", "🚀", "\u{202E}", "$(rm -rf /)", "`id`",
        "|", "&", ">", "<", "*", "?", "#", "%s%n", String(repeating: "a", count: 300), String(repeating: "'", count: 50),
    ]
    static let yamlPieces = [
        ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!!binary ", "|", ">", "#", "'", "\"",
        "\n", "\n  ", "\n    ", "\t", "\u{FEFF}", "---\n", "...\n", "? ", "%YAML 1.1\n", "~", "null", "true", "0x1F",
        "1e309", "-.inf", "stages", "jobs", "name", "environment", "environments", "approval", "manual", "artifacts",
        "run", "timeout", "10m", "1h30m", "99999999h", "deploy", "secrets", "traits", "config", "source",
        "distinct_from_submitter", "required", "é", "🚀", String(repeating: "x", count: 200),
        String(repeating: "[", count: 60), String(repeating: "{a: ", count: 40),
    ]

    func commandLine(_ random: inout SplitMix64) -> String {
        if Int.random(in: 0..<20, using: &random) == 0 { return randomText(&random, length: Int.random(in: 0..<120, using: &random)) }
        var text = Array(Self.commandSeeds.randomElement(using: &random)!)
        mutate(&text, pieces: Self.commandPieces, rounds: Int.random(in: 0...6, using: &random), &random)
        return String(text)
    }

    func pipeline(from seeds: [String], _ random: inout SplitMix64) -> String {
        var lines = seeds.randomElement(using: &random)!.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int.random(in: 0...3, using: &random) where !lines.isEmpty {
            let index = Int.random(in: 0..<lines.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: lines.remove(at: index)
            case 1: lines.insert(lines[index], at: index)
            case 2: lines[index] = String(repeating: " ", count: Int.random(in: 0..<8, using: &random)) + lines[index].drop { $0 == " " }
            default: lines.swapAt(index, Int.random(in: 0..<lines.count, using: &random))
            }
        }
        var text = Array(lines.joined(separator: "\n"))
        mutate(&text, pieces: Self.yamlPieces, rounds: Int.random(in: 0...5, using: &random), &random)
        return String(text)
    }

    private func mutate(_ text: inout [Character], pieces: [String], rounds: Int, _ random: inout SplitMix64) {
        for _ in 0..<rounds {
            let position = text.isEmpty ? 0 : Int.random(in: 0...text.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !text.isEmpty && position < text.count:
                text.removeSubrange(position..<min(text.count, position + Int.random(in: 1...8, using: &random)))
            case 1:
                text.insert(contentsOf: Array(pieces.randomElement(using: &random)!), at: position)
            case 2 where position < text.count:
                text[position] = Character(Unicode.Scalar(UInt8.random(in: 0...127, using: &random)))
            case 3 where !text.isEmpty:
                let start = Int.random(in: 0..<text.count, using: &random)
                let slice = text[start..<min(text.count, start + Int.random(in: 1...40, using: &random))]
                text.insert(contentsOf: slice, at: position)
            default:
                text.insert(contentsOf: Array(randomText(&random, length: Int.random(in: 1...6, using: &random))), at: position)
            }
        }
    }

    private func randomText(_ random: inout SplitMix64, length: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            let value = Int.random(in: 0..<10, using: &random) == 0 ? UInt32.random(in: 0x80...0x1F_FFF, using: &random)
                : UInt32.random(in: 0...0x7F, using: &random)
            scalars.append(Unicode.Scalar(value) ?? "?")
        }
        return String(scalars)
    }
}
