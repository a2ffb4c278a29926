import PipelineModel
import Foundation
import StoreCore

/// `audit [--verify]`: the decision log, and a check of its hash chain.
enum AuditCommand {
    static let descriptor = CommandDescriptor(
        name: "audit", summary: "the decision log (submit, approve, reject, rerun, cancel, rollback, deploys); --verify checks its hash chain",
        details: "Each entry holds the hash of the one before it, and each machine keeps the newest entry it appended outside the database (the witness: audit.witness in the state folder). --verify recomputes the chain and fails with exit 4 when an entry was changed, removed or inserted, when the newest entries were deleted, when the chain was recomputed after an edit, or when a version's frozen plan, commit, commit time or artifact list no longer matches what the log recorded.",
        arguments: [ArgumentSpec("VERSION", required: false, completion: .versions)],
        options: [OptionSpec("--verify", summary: "recompute the hash chain (exit 4 when broken)"),
                  OptionSpec("--limit", value: "N", summary: "show the last N entries (default 50)")]
    ) { invocation, context in
        let store = try await context.stateStore()
        // Verifying reads the chain, the witness and the records it covers at one moment (`auditCheck`).
        let check = invocation.flags.contains("--verify") ? try await store.auditCheck() : nil
        let all: [AuditEntry]
        if let check { all = check.entries } else { all = try await store.auditEntries(versionID: nil) }
        var entries = all
        if let reference = invocation["VERSION"] {
            let version = try await context.version(reference)
            entries = entries.filter { $0.versionID == version.id }
        }
        entries = Array(entries.suffix(try invocation.count("--limit", default: 50)))
        func table(_ entries: [AuditEntry]) -> [String] {
            TextTable.render(entries.map { entry in
                ["#\(entry.id!)", TimeText.clock(seconds: entry.at), TerminalText.field(entry.who), entry.action,
                 entry.versionID.map { "v\($0)" } ?? "-", entry.detail]
            })
        }
        var json: [(String, JSONValue)] = [("entries", .array(entries.map { entry in
            .object([("id", .int(entry.id!)), ("at", .time(entry.at)), ("who", .string(entry.who)),
                     ("action", .string(entry.action)), ("version", entry.versionID.map { .string("v\($0)") } ?? .null),
                     ("detail", .string(entry.detail)), ("hash", .string(entry.hash))])
        }))]
        guard let check else {
            return CommandResult(text: table(entries).joined(separator: "\n"), json: .object(json))
        }
        // The verdict alone: the on-call engineer asks one question. A break shows the entries around it.
        let witness = store.auditWitness
        let (witnessed, untrusted) = (check.witnessed, check.untrusted)
        let broken = AuditLog.firstBrokenEntry(in: all)
        let chainProblem = AuditLog.problem(in: all, fromGenesis: true, witnessed: witnessed, key: check.key)
        let problem = chainProblem.map { "the audit log was altered: \($0)" }
            ?? untrusted.first.map { $0.problem + (untrusted.count > 1 ? " (and \(untrusted.count - 1) more)" : "") }
        json = [("verified", .bool(problem == nil)), ("entries", .int(all.count)),
                ("broken_at", broken.map { .int($0) } ?? .null), ("problem", problem.map { .string($0) } ?? .null),
                ("witnessed", witnessed.map { .int($0.id) } ?? .null),
                ("altered_versions", .array(untrusted.map { .object([("version", .string("v\($0.versionID)")),
                                                                     ("problem", .string($0.problem))]) }))]
        if let problem {
            var text = ["audit check FAILED: \(problem)"]
            if let broken { text += table(all.filter { $0.id! >= broken - 1 && $0.id! <= broken + 1 }).map { "  " + $0 } }
            text += untrusted.dropFirst().prefix(20).map { "  v\($0.versionID): \($0.problem)" }
            text.append("The engine runs nothing of a version whose records no longer match the log; restore the state "
                        + "from a backup."
                        + (chainProblem != nil && broken == nil
                           ? " If the database was replaced on purpose, remove \(witness?.path ?? "this machine's witness")." : ""))
            return CommandResult(text: text.joined(separator: "\n"), json: .object(json), exitCode: ExitCode.refused,
                                 failure: problem)
        }
        let coverage = (witnessed.map { "; its head matches entry #\($0.id), witnessed on this machine" }
            ?? "; no head witnessed on this machine yet, so deleted newest entries could not be told")
            + (check.key == nil ? "; entries are not sealed (no key here)"
               : witnessed?.sealedFrom.map { "; sealed from entry #\($0)" } ?? "")
        return CommandResult(text: "audit chain verified: \(all.count) entries" + coverage, json: .object(json))
    }
}
