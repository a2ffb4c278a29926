import Foundation
import PipelineModel
import StoreCore

/// `status`: recent versions × stages, one symbol per cell.
enum StatusCommand {
    static let descriptor = CommandDescriptor(
        name: "status", summary: "the value-stream view: recent versions × stages",
        details: "One row per recent version (newest first), one symbol per stage: ✓ passed, ▶ running, · queued, ? awaiting approval, ✗ failed, ! errored, ↯ interrupted, ⊘ cancelled, ⊗ rejected, ↷ superseded (a newer version went live there first), ⊖ blocked (lacks a security patch live in production). Below the rows: the version that runs in each environment now, and a ⚠ line for an environment whose newest deploy failed, was interrupted or was cancelled after it (what runs there is then not certain).",
        options: [OptionSpec("--limit", value: "N", summary: "how many versions (default 20)")]
    ) { invocation, context in
        let store = try await context.stateStore()
        let limit = try invocation.count("--limit", default: 20)
        let reports = try await VersionReport.all(try await store.versions(limit: limit), store: store)
        let plan = reports.first?.plan ?? (try? context.currentPlan())
        let current = try await store.currentDeploys()
        let unsettled = unsettledDeploys(latest: try await store.latestDeploys(), current: current)
        var lines = render(reports, plan: plan, current: current, unsettled: unsettled, style: context.style)
        if reports.isEmpty { lines = ["no versions yet; `submit` makes one"] }
        let refused = try await store.triggerProblems()
        for record in refused {
            lines.append("\(TerminalText.field(record.branch)) \(record.commitID.prefix(7)) made no version (\(record.via), "
                         + "\(TimeText.clock(seconds: record.at))): \(TerminalText.field(record.reason ?? ""))")
        }
        let queue = reports.first.map { HookQueue(gitFolder: store.resolvedPath($0.version.sourcePath) + "/.git") }
        let waiting = queue.map { $0.pendingFiles().count } ?? 0
        if let queue, waiting > 0, let wait = queue.oldestWait(now: context.now()), wait >= 30 {
            lines.append("\(waiting) update\(waiting == 1 ? "" : "s") handed over by a git hook wait\(waiting == 1 ? "s" : "") "
                         + "(the oldest for \(TimeText.elapsed(wait))); see \(queue.logPath)")
        }
        let engines = try await store.engines()
        if let engines, let plan { lines += placementLines(engines: engines, plan: plan) }
        let json = JSONValue.object([
            ("pipeline", .string(reports.first?.plan.name ?? ((try? context.currentPlan())?.name ?? ""))),
            ("stages", .array((plan?.stages ?? []).map { .string($0.name) })),
            ("versions", .array(reports.map(\.json))),
            ("environments", .object(current.map { ($0.environment, .string("v\($0.versionID)")) })),
            ("environments_unsettled", .object(unsettled.map { deploy in
                (deploy.environment, .object([("version", .string("v\(deploy.versionID)")),
                                              ("deploy", .string(deploy.result.rawValue))]))
            })),
            ("refused_commits", .array(refused.map { record in
                .object([("branch", .string(record.branch)), ("commit", .string(record.commitID)), ("via", .string(record.via)),
                         ("reason", .optional(record.reason)), ("at", .time(record.at))])
            })),
            ("hook_updates_waiting", .int(waiting)),
            ("engines", engines.map { engines in
                .array(engines.keys.sorted().map { name in
                    .object([("name", .string(name)), ("labels", .array(engines[name]!.sorted().map { .string($0) }))])
                })
            } ?? .null),
        ])
        return CommandResult(text: lines.joined(separator: "\n"), json: json)
    }

    /// A team's engines with their labels, and each label set the pipeline's `runs-on:` requires that no one
    /// engine holds (`Placement`, as the scheduler decides it).
    static func placementLines(engines: [String: Set<String>], plan: PipelinePlan) -> [String] {
        let listed = engines.keys.sorted().map { name in
            engines[name]!.isEmpty ? name : "\(name) [\(engines[name]!.sorted().joined(separator: ", "))]"
        }
        var lines = ["engines: " + (listed.isEmpty ? "none alive" : listed.joined(separator: ", "))]
        let placement = Placement(deciding: nil, engines: engines)
        for labels in plan.requiredLabelSets where !placement.mayStart(Set(labels)) {
            let named = labels.count == 1 ? "label \(labels[0])" : "labels \(labels.joined(separator: " and ")) together"
            lines.append("no engine holds \(named), which `runs-on:` requires: that work waits until one starts "
                         + "with `cdsh engine --labels \(labels.joined(separator: ","))`")
        }
        return lines
    }

    /// The value-stream map: a row per version, a column per stage, `●` where an environment of that stage runs
    /// the version now; fits the terminal's width (`style.columns`).
    static func render(
        _ reports: [VersionReport], plan: PipelinePlan?, current: [DeployRecord], unsettled: [DeployRecord] = [],
        style: TextStyle
    ) -> [String] {
        let stages = plan?.stages ?? []
        // Whole stage names when they leave the state column room; else names cut to 8 columns.
        var widths = stages.map { max($0.name.count, 3) + 1 }
        if 15 + widths.reduce(0, +) + 24 > style.columns { widths = stages.map { min(max($0.name.count, 3), 8) + 1 } }
        func header(_ name: String, _ width: Int) -> String {
            name.count < width ? TextStyle.pad(name, width) : String(name.prefix(width - 2)) + (style.unicode ? "…" : "~") + " "
        }
        let running = Dictionary(grouping: current, by: \.versionID).mapValues { Set($0.map(\.environment)) }
        var lines = [TextStyle.pad("ver", 6) + TextStyle.pad("commit", 9)
                     + zip(stages, widths).map { header($0.name, $1) }.joined() + "state"]
        let fixed = 15 + widths.reduce(0, +)
        for report in reports {
            let states = report.stageStates
            let marker = report.version.priority == .security ? (style.unicode ? "⚑" : "!") : ""
            var row = TextStyle.pad(report.version.name + marker, 6) + TextStyle.pad(String(report.version.commitID.prefix(7)), 9)
            let here = running[report.version.id!] ?? []
            for (index, stage) in stages.enumerated() {
                var cell = states[index].map { style.symbol($0.rawValue) } ?? " "
                let environments = Set([stage.environment].compactMap { $0 } + stage.jobs.compactMap(\.environment))
                if !environments.isDisjoint(with: here) { cell += style.unicode ? "●" : "*" }
                row += TextStyle.pad(cell, widths[index])
            }
            let state = describe(report)
            let room = max(10, style.columns - 1 - fixed)
            row += state.count > room ? String(state.prefix(room - 1)) + (style.unicode ? "…" : "~") : state
            lines.append(row)
        }
        let deployed = current.sorted { $0.environment < $1.environment }.map { "\($0.environment) v\($0.versionID)" }
        if !deployed.isEmpty {
            lines.append((style.unicode ? "● " : "* ") + "runs there now: " + deployed.joined(separator: ", "))
        }
        let attempts = Dictionary(reports.flatMap(\.attempts).map { ($0.id!, $0) }) { first, _ in first }
        for deploy in unsettled.sorted(by: { $0.environment < $1.environment }) {
            let environment = deploy.environment, version = "v\(deploy.versionID)"
            let before = current.first { $0.environment == environment }.map { "v\($0.versionID)" }
            let how = deploy.result == .interrupted ? "was interrupted (the engine stopped)"
                : deploy.result == .cancelled ? "was cancelled" : deploy.result.rawValue
            // Redone the way it was asked for: a rollback by `rollback`, a stage's deploy by `rerun` of that stage.
            let attempt = attempts[deploy.attemptID]
            let redo = attempt.map { $0.isDeployOnly ? "`rollback \(environment) \(version) --reason …`"
                                                      : "`rerun \(version) \($0.stage)`" } ?? "redeploy it"
            lines.append((style.unicode ? "⚠ " : "!! ") + "\(environment): \(version)'s deploy \(how) — \(environment) may be "
                         + "partly \(version)" + (before.map { ", not \($0) as shown above" } ?? "")
                         + "; check it, then \(redo)"
                         + (before.map { " or put \($0) back with `rollback \(environment) --reason …`" } ?? ""))
        }
        return lines
    }

    /// The environments whose newest deploy ended without passing after the one live there: what runs there is
    /// not certain (a deploy script stopped midway may have changed it).
    static func unsettledDeploys(latest: [DeployRecord], current: [DeployRecord]) -> [DeployRecord] {
        latest.filter { deploy in RollbackRules.unsettles(deploy, after: current.first { $0.environment == deploy.environment }) }
    }

    static func describe(_ report: VersionReport) -> String {
        let state = report.state
        switch state {
        case .passed: return "passed"
        default: return "\(state.rawValue)\(report.currentStage.map { " at \($0)" } ?? "")"
        }
    }
}
