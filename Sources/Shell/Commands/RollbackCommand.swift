import PipelineEngine
import StoreCore

/// `rollback ENV [VERSION]`: redeploys an earlier version through the same deploy script, as a recorded deploy.
enum RollbackCommand {
    static let descriptor = CommandDescriptor(
        name: "rollback", summary: "redeploy an earlier version to an environment (default: the one before) with the same deploy script",
        details: "The version's own stored artifacts are re-verified and deployed by its own deploy script, as a deploy of its own in `env ENV`. Only a version that ran in ENV before can be rolled back to. Returns once the rollback is queued; `wait` is not needed: `env ENV` shows it.",
        arguments: [ArgumentSpec("ENV", completion: .environments), ArgumentSpec("VERSION", required: false, completion: .versions)],
        options: [OptionSpec("--reason", value: "TEXT", summary: "why (kept in the audit log)")]
    ) { invocation, context in
        let store = try await context.stateStore()
        let environment = invocation["ENV"]!
        try await EnvCommand.checkKnown(environment, store: store, context: context)
        var requested: VersionRecord?
        if let reference = invocation["VERSION"] { requested = try await context.version(reference) }
        let target = try await store.version(try await store.rollbackTarget(environment: environment, versionID: requested?.id))
        if let refusal = try await RegressionGuard(store: store, sources: WorkTreeSource(context: context)).refusal(deploying: target, to: environment) {
            throw StoreError.refused(refusal, hint: nil)
        }
        let attempt = try await store.requestRollback(environment: environment, versionID: target.id, who: context.who,
                                                reason: invocation["--reason"], now: context.now())
        try await context.kickEngine()
        return CommandResult(
            text: "rollback of \(environment) to v\(attempt.versionID) queued",
            json: .object([("environment", .string(environment)), ("version", .string("v\(attempt.versionID)")),
                           ("state", .string(attempt.state.rawValue))]))
    }
}
