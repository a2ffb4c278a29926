import PipelineEngine
import StoreCore

/// `approve`, `reject` and `rerun`: the decisions people take on a version.
enum DecisionCommands {
    static let approve = CommandDescriptor(
        name: "approve", summary: "let a version through the manual gate it waits at",
        details: """
            Recorded with who and why (`show`, the audit). A gate set to `approvers: N` opens at the N-th different \
            person's approval (until then it keeps waiting and says so); `separate: true` refuses the submitter; \
            approvals older than `expires` no longer count. Refused (exit 4) for a version older than the one live \
            in a `supersede` environment such as production — `rollback` deploys it on purpose — and for one that \
            lacks a security patch live in production.
            """,
        arguments: [ArgumentSpec("VERSION", completion: .awaitingVersions)],
        options: [OptionSpec("--reason", value: "TEXT", required: true, summary: "why (kept in the audit log)")]
    ) { invocation, context in
        try await decide(invocation, context, approve: true)
    }

    static let reject = CommandDescriptor(
        name: "reject", summary: "stop a version at the manual gate it waits at",
        arguments: [ArgumentSpec("VERSION", completion: .awaitingVersions)],
        options: [OptionSpec("--reason", value: "TEXT", required: true, summary: "why (kept in the audit log)")]
    ) { invocation, context in
        try await decide(invocation, context, approve: false)
    }

    static let rerun = CommandDescriptor(
        name: "rerun", summary: "a new attempt of a stage where a version stopped, with its own plan and artifacts",
        arguments: [ArgumentSpec("VERSION", completion: .rerunnableVersions),
                    ArgumentSpec("STAGE", completion: .rerunnableStages)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        let attempt = try await store.rerun(versionID: version.id!, stage: invocation["STAGE"]!, who: context.who, now: context.now())
        try await context.kickEngine()
        return CommandResult(
            text: "\(version.name) \(attempt.stage): attempt \(attempt.number) \(attempt.state.rawValue)",
            json: .object([("version", .string(version.name)), ("stage", .string(attempt.stage)),
                           ("attempt", .int(attempt.number)), ("state", .string(attempt.state.rawValue))]))
    }

    private static func decide(_ invocation: Invocation, _ context: SessionContext, approve: Bool) async throws -> CommandResult {
        let reason = invocation["--reason"]!.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw ShellError.usage("--reason must not be empty") }
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        if approve, let waiting = try await store.awaitingApproval().first(where: { $0.versionID == version.id }),
           let environment = try version.plan().stages[waiting.stageIndex].environment,
           let refusal = try await RegressionGuard(store: store, sources: WorkTreeSource(context: context)).refusal(deploying: version, to: environment) {
            throw StoreError.refused(refusal, hint: nil)
        }
        let attempt = approve
            ? try await store.approve(versionID: version.id!, who: context.who, reason: reason, now: context.now())
            : try await store.reject(versionID: version.id!, who: context.who, reason: reason, now: context.now())
        if approve { try await context.kickEngine() }
        let stage = try version.plan().stages[attempt.stageIndex]
        let text = approve && attempt.state == .awaitingApproval
            ? "\(version.name) \(attempt.stage): approval by \(context.who) recorded; it needs \(stage.requiredApprovers) "
                + "different people, so it waits for more"
            : "\(version.name) \(approve ? "approved" : "rejected") for \(attempt.stage) by \(context.who)"
        return CommandResult(
            text: text,
            json: .object([("version", .string(version.name)), ("stage", .string(attempt.stage)),
                           ("decision", .string(approve ? "approve" : "reject")), ("who", .string(context.who)),
                           ("reason", .string(reason)), ("state", .string(attempt.state.rawValue)),
                           ("approvers_required", .int(stage.requiredApprovers))]))
    }
}
