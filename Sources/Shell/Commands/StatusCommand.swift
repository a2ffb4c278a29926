import Foundation
import PipelineModel
import PipelineStore

/// `status`: recent versions × stages, one symbol per cell.
enum StatusCommand {
    static let descriptor = CommandDescriptor(
        name: "status", summary: "the value-stream view: recent versions × stages",
        details: "One row per recent version (newest first), one symbol per stage: ✓ passed, ▶ running, · queued, ? awaiting approval, ✗ failed, ! errored, ↯ interrupted, ⊘ cancelled, ⊗ rejected.",
        options: [OptionSpec("--limit", value: "N", summary: "how many versions (default 20)")]
    ) { invocation, context in
        let store = try context.store()
        let limit = Int(invocation["--limit"] ?? "20") ?? 20
        let reports = try store.versions(limit: limit).map { try VersionReport($0, store: store) }
        let style = context.style
        let stageNames = reports.first?.plan.stages.map(\.name) ?? ((try? context.currentPlan())?.stages.map(\.name) ?? [])
        var lines: [String] = []
        let header = TextStyle.pad("version", 8) + TextStyle.pad("commit", 9) + TextStyle.pad("priority", 10)
            + stageNames.map { TextStyle.pad($0, max($0.count + 2, 4)) }.joined() + "state"
        lines.append(header)
        for report in reports {
            let latest = report.latest
            var row = TextStyle.pad(report.version.name, 8) + TextStyle.pad(String(report.version.commitID.prefix(7)), 9)
                + TextStyle.pad(report.version.priority.rawValue, 10)
            for (index, name) in stageNames.enumerated() {
                let cell = latest[index].map { style.symbol($0.state.rawValue) } ?? (style.unicode ? " " : " ")
                row += TextStyle.pad(cell, max(name.count + 2, 4))
            }
            row += describe(report)
            lines.append(row)
        }
        if reports.isEmpty { lines = ["no versions yet; `submit` makes one"] }
        let json = JSONValue.object([
            ("pipeline", .string(reports.first?.plan.name ?? ((try? context.currentPlan())?.name ?? ""))),
            ("stages", .array(stageNames.map(JSONValue.string))),
            ("versions", .array(reports.map(\.json))),
        ])
        return CommandResult(text: lines.joined(separator: "\n"), json: json)
    }

    static func describe(_ report: VersionReport) -> String {
        let state = report.state
        switch state {
        case .passed: return "passed"
        default: return "\(state.rawValue)\(report.currentStage.map { " at \($0)" } ?? "")"
        }
    }
}
