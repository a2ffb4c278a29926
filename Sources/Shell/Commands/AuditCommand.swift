import PipelineModel
import Foundation
import StoreCore

/// `audit [--verify]`: the decision log, and a check of its hash chain.
enum AuditCommand {
    static let descriptor = CommandDescriptor(
        name: "audit", summary: "the decision log (submit, approve, reject, rerun, cancel, rollback, deploys); --verify checks its hash chain",
        details: "Each entry holds the hash of the one before it. --verify recomputes the chain and fails with exit 4 at the first entry that was changed, removed or inserted.",
        arguments: [ArgumentSpec("VERSION", required: false, completion: .versions)],
        options: [OptionSpec("--verify", summary: "recompute the hash chain (exit 4 when broken)"),
                  OptionSpec("--limit", value: "N", summary: "show the last N entries (default 50)")]
    ) { invocation, context in
        let store = try await context.stateStore()
        let all = try await store.auditEntries(versionID: nil)
        var entries = all
        if let reference = invocation["VERSION"] {
            let version = try await context.version(reference)
            entries = entries.filter { $0.versionID == version.id }
        }
        entries = Array(entries.suffix(try invocation.count("--limit", default: 50)))
        var lines = entries.map { entry in
            "\(TextStyle.pad("#\(entry.id!)", 6))\(TimeText.clock(seconds: entry.at))  \(TextStyle.pad(entry.who, 10))"
                + "\(TextStyle.pad(entry.action, 18))\(entry.versionID.map { "v\($0)" } ?? "-")  \(entry.detail)"
        }
        var json: [(String, JSONValue)] = [("entries", .array(entries.map { entry in
            .object([("id", .int(entry.id!)), ("at", .time(entry.at)), ("who", .string(entry.who)),
                     ("action", .string(entry.action)), ("version", entry.versionID.map { .string("v\($0)") } ?? .null),
                     ("detail", .string(entry.detail)), ("hash", .string(entry.hash))])
        }))]
        guard invocation.flags.contains("--verify") else {
            return CommandResult(text: lines.joined(separator: "\n"), json: .object(json))
        }
        let broken = AuditLog.firstBrokenEntry(in: all)
        json.append(("verified", .bool(broken == nil)))
        json.append(("broken_at", broken.map { .int($0) } ?? .null))
        if let broken {
            lines.append("audit chain BROKEN at entry #\(broken)")
            return CommandResult(text: lines.joined(separator: "\n"), json: .object(json), exitCode: ExitCode.refused,
                                 failure: "the audit log was altered: its hash chain breaks at entry #\(broken)")
        }
        lines.append("audit chain verified: \(all.count) entries")
        return CommandResult(text: lines.joined(separator: "\n"), json: .object(json))
    }
}
