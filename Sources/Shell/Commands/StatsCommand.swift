import Foundation
import PipelineModel
import StageRunner
import StoreCore

/// `stats`: the four DORA measures and where the time goes, from the store's own records.
enum StatsCommand {
    static let descriptor = CommandDescriptor(
        name: "stats", summary: "delivery measures: deploy frequency, lead time, change failure rate, time to restore",
        details: "Computed from the store over a window (default the last 30 days) for one environment (default the "
            + "production environment). Deploys: each new version's first deploy there that passed (rollbacks and "
            + "redeploys do not count), and how often. Lead time: from the version's commit (its committer time, "
            + "recorded at submit; for versions recorded before cdsh kept it, git's, or the submit when git here no longer "
            + "has the commit) to that deploy. Change failures: of the new versions "
            + "whose deploys ended in the window, those whose deploy failed or was interrupted (the engine died "
            + "under it), that were rolled back before the next "
            + "one started, whose stage failed or errored after the deploy, or that a security patch followed — the "
            + "first of these counts. Time to restore: from that moment until a deploy (a rollback's too) next passed "
            + "there. Then per stage the median and 90th percentile of waiting (approvals included) and running, the "
            + "slowest jobs, jobs that failed and passed on a rerun of the same version, and the versions waiting at "
            + "each stage now.",
        options: windowOptions
    ) { invocation, context in
        let stats = try await compute(invocation, plan: try? context.currentPlan(), context: context)
        return CommandResult(text: StatsPresenter.lines(stats, style: context.style).joined(separator: "\n"),
                             json: StatsPresenter.json(stats))
    }

    /// The window and environment `stats` and `report` compute their figures for (`compute`).
    static let windowOptions = [
        OptionSpec("--since", value: "DURATION", summary: "the window: `7d`, `2w`, `12h` (default 30d)"),
        OptionSpec("--env", value: "ENV", summary: "the environment (default the production environment)"),
    ]

    /// The figures `stats` (and `report`) show, for the window and environment the invocation names, with `plan`
    /// the pipeline file as it is now (nil when unreadable). Without `--env` and a production environment, `stats`
    /// fails; `report` (`optionalEnvironment`) computes the stage figures alone, for the environment "".
    static func compute(_ invocation: Invocation, plan: PipelinePlan?, context: SessionContext,
                        optionalEnvironment: Bool = false) async throws -> DeliveryStats {
        var window = 30.0 * 86_400
        if let text = invocation.values["--since"] {
            guard let seconds = DurationText.parse(text), seconds > 0, seconds <= 100 * 365 * 86_400 else {
                throw ShellError.usage("--since needs a duration such as 30d, 2w or 12h (at most 100 years), not `\(text)`")
            }
            window = seconds
        }
        if invocation.values["--env"]?.isEmpty == true { throw ShellError.usage("--env needs an environment's name") }
        guard let environment = invocation.values["--env"] ?? plan?.productionEnvironment ?? (optionalEnvironment ? "" : nil)
        else {
            throw ShellError("the pipeline names no production environment", hint: "name one: stats --env ENV")
        }
        if let plan, !environment.isEmpty, !plan.environments.contains(where: { $0.name == environment }) {
            let known = plan.environments.map(\.name).joined(separator: ", ")
            throw ShellError.usage("no environment `\(environment)` in the pipeline", hint: "environments: \(known)")
        }
        let now = context.now(), since = now - window
        let facts = try await context.stateStore().deliveryFacts(since: since, environment: environment)
        let deployed = Set(facts.deploys.map(\.versionID))
        let commits = facts.versions.filter { deployed.contains($0.id) && $0.committedAt == nil }.map(\.commitID)
        let folder = (try? context.pipelinePath()).map { ($0 as NSString).deletingLastPathComponent }
        var commitTimes: [String: Double] = [:]
        if !commits.isEmpty, let folder, let top = try? await GitRepository.topLevel(of: folder) {
            commitTimes = (try? await GitRepository(path: top).commitTimes(commits)) ?? [:]
        }
        return DeliveryStats(facts: facts, environment: environment, since: since, until: now, commitTimes: commitTimes,
                             stageOrder: plan?.stages.map(\.name) ?? [])
    }
}
