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
        func table(_ entries: [AuditEntry]) -> [String] {
            TextTable.render(entries.map { entry in
                ["#\(entry.id!)", TimeText.clock(seconds: entry.at), entry.who, entry.action,
                 entry.versionID.map { "v\($0)" } ?? "-", entry.detail]
            })
        }
        var json: [(String, JSONValue)] = [("entries", .array(entries.map { entry in
            .object([("id", .int(entry.id!)), ("at", .time(entry.at)), ("who", .string(entry.who)),
                     ("action", .string(entry.action)), ("version", entry.versionID.map { .string("v\($0)") } ?? .null),
                     ("detail", .string(entry.detail)), ("hash", .string(entry.hash))])
        }))]
        guard invocation.flags.contains("--verify") else {
            return CommandResult(text: table(entries).joined(separator: "\n"), json: .object(json))
        }
        // The verdict alone: the on-call engineer asks one question. A break shows the entries around it.
        let broken = AuditLog.firstBrokenEntry(in: all)
        json = [("verified", .bool(broken == nil)), ("entries", .int(all.count)),
                ("broken_at", broken.map { .int($0) } ?? .null)]
        if let broken {
            let around = all.filter { $0.id! >= broken - 1 && $0.id! <= broken + 1 }
            let text = (["audit chain BROKEN at entry #\(broken) of \(all.count):"] + table(around).map { "  " + $0 })
            return CommandResult(text: text.joined(separator: "\n"), json: .object(json), exitCode: ExitCode.refused,
                                 failure: "the audit log was altered: its hash chain breaks at entry #\(broken)")
        }
        return CommandResult(text: "audit chain verified: \(all.count) entries", json: .object(json))
    }
}
