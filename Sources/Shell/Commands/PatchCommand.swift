import StoreCore

/// `patch REV --reason TEXT [--preempt]`: injects a security-patch version and fast-tracks it through every gate.
enum PatchCommand {
    static let descriptor = CommandDescriptor(
        name: "patch", summary: "inject a security-patch version of REV and fast-track it through every gate",
        details: """
            The patch goes ahead of all normal work in every stage and environment, and normal versions may not take \
            an environment it will need before its next manual gate. It skips nothing: every stage runs on its own \
            artifacts and a manual gate still needs `approve`. --preempt also stops normal jobs holding those \
            environments now (recorded; `rerun` starts them again). Once a patch is live in production, versions \
            without its commit are refused there.
            """,
        arguments: [ArgumentSpec("REV", completion: .revisions)],
        options: [OptionSpec("--reason", value: "TEXT", required: true, summary: "why (the CVE): kept with the version and in the audit log"),
                  OptionSpec("--preempt", summary: "stop normal jobs holding an environment the patch needs")]
    ) { invocation, context in
        let reason = invocation["--reason"]!.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw ShellError.usage("--reason must say why (for example the CVE)", hint: "patch REV --reason \"CVE-…: …\"")
        }
        let revision = invocation["REV"]!
        let version = try await SubmitCommand.makeVersion(
            revision: revision, priority: .security, note: reason, context: context, action: "patch",
            extraAudit: ["reason": reason, "who": context.who])
        var preempted: [AttemptRecord] = []
        if invocation.flags.contains("--preempt") {
            let needed = try version.plan().environmentsBeforeApproval(from: 0)
            preempted = try await context.stateStore().preempt(for: version.id!, environments: needed, who: context.who,
                                                    now: context.now())
            try await context.kickEngine()
        }
        var text = "\(version.name) security patch of \(revision) (\(version.commitID.prefix(12))) goes ahead of all normal work"
        for attempt in preempted {
            text += "\nstopped v\(attempt.versionID) \(attempt.stage) for it (`rerun v\(attempt.versionID) \(attempt.stage)` starts it again)"
        }
        return CommandResult(text: text, json: .object([
            ("id", .string(version.name)), ("commit", .string(version.commitID)), ("ref", .string(revision)),
            ("priority", .string(version.priority.rawValue)), ("reason", .string(reason)),
            ("preempted", .array(preempted.map { .object([("version", .string("v\($0.versionID)")), ("stage", .string($0.stage))]) })),
        ]))
    }
}
