import Foundation
import PipelineModel
import StoreCore

/// `report --html FILE`: the delivery measures, the value-stream map, the newest versions and the audit log's
/// newest entries as one self-contained page.
enum ReportCommand {
    static let descriptor = CommandDescriptor(
        name: "report", summary: "write an HTML report: measures over time, value-stream map, timeline, audit",
        details: "One self-contained file (no scripts, fonts or links to fetch; it opens offline and prints): the four "
            + "delivery measures of `stats` for the window, each charted per day (per week for windows over 31 days); "
            + "the value-stream map (the stages in order with their environment and the version live there now, their "
            + "jobs, median waiting and running times, and the versions waiting for each now); the newest versions as "
            + "a timeline (stages and jobs as bars coloured by how they ended, failed changes and rollbacks named); "
            + "where the time goes; and the audit log's newest entries. The file is written whole or not at all.",
        options: [OptionSpec("--html", value: "FILE", required: true, summary: "the file to write (replaced if it exists)")]
            + StatsCommand.windowOptions + [
                  OptionSpec("--versions", value: "N", summary: "versions on the timeline (default 20, at most 500)"),
                  OptionSpec("--audit", value: "N", summary: "audit entries shown (default 20, at most 1,000)")]
    ) { invocation, context in
        let path = context.absolute(invocation.values["--html"] ?? "")
        let versionCount = try invocation.count("--versions", default: 20)
        let auditCount = try invocation.count("--audit", default: 20)
        guard versionCount <= 500, auditCount <= 1_000 else {
            throw ShellError.usage("the report shows at most 500 versions and 1,000 audit entries",
                                   hint: "for more, use `show VERSION` or `audit --json`")
        }
        try ReportFile.checkDestination(path)
        let plan = try? context.currentPlan()
        let stats = try await StatsCommand.compute(invocation, plan: plan, context: context, optionalEnvironment: true)
        let store = try await context.stateStore()
        let versions = try await store.versions(limit: versionCount)
        let details = try await store.details(of: versions.compactMap(\.id), artifacts: false)
        let content = ReportContent(
            title: plan?.name ?? "cdsh pipeline", generatedAt: stats.until, stats: stats, plan: plan,
            current: try await store.currentDeploys(),
            versions: versions.map { ReportContent.VersionRow(version: $0, details: details[$0.id ?? 0] ?? VersionDetails()) },
            audit: try await store.newestAuditEntries(auditCount))
        let html = HTMLReport.document(content)
        try ReportFile.write(html, to: path)
        let size = html.utf8.count
        return CommandResult(
            text: "wrote \(path) (\(max(1, (size + 512) / 1024)) KB): "
                + (stats.environment.isEmpty ? "" : "\(stats.environment), ") + "\(versions.count) "
                + "version\(versions.count == 1 ? "" : "s"), \(content.audit.count) audit entries; open it in a browser: "
                + "file://\(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)",
            json: .object([("path", .string(path)), ("bytes", .int(size)), ("environment", .string(stats.environment)),
                           ("versions", .int(versions.count)), ("audit_entries", .int(content.audit.count))]))
    }
}
