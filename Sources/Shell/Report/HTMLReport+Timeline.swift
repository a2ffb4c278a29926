import Foundation
import PipelineModel
import StoreCore

extension HTMLReport {
    static func stateColor(_ state: RunState) -> String {
        switch state {
        case .passed: "var(--pass)"
        case .failed, .errored, .rejected: "var(--fail)"
        case .running: "var(--run)"
        case .awaitingApproval: "var(--approve)"
        case .queued, .blocked: "var(--wait)"
        case .cancelled, .interrupted, .superseded: "var(--stop)"
        }
    }

    /// The newest versions, one row each from submit to its last stage's end (each row on its own scale, its
    /// length written beside it): stages as bars coloured by how they ended, the time before each stage started
    /// in grey, jobs as thin bars below, and failed changes and rollbacks named.
    static func timelineSection(_ content: ReportContent) -> String {
        var html = "<section id=\"timeline\"><h2>Newest \(content.versions.count) versions</h2>\n"
        guard !content.versions.isEmpty else { return html + "<p class=\"none\">No versions yet.</p></section>\n" }
        html += "<p class=\"legend\">" + [("var(--pass)", "passed"), ("var(--fail)", "failed"), ("var(--run)", "running"),
                                          ("var(--approve)", "awaiting approval"), ("var(--wait)", "waiting"),
                                          ("var(--stop)", "cancelled, superseded"), ("var(--back)", "rollback")]
            .map { "<span><i style=\"background:\($0.0)\"></i>\($0.1)</span>" }.joined() + "</p>\n"
        let failures = Dictionary(content.stats.failures.map { ($0.versionID, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [(height: Double, svg: String)] = []
        for row in content.versions {
            rows.append(timelineRow(row, failure: failures[row.version.id ?? 0], now: content.generatedAt))
        }
        let width = 1100.0, total = rows.reduce(0) { $0 + $1.height }
        html += "<div class=\"scroll\"><svg viewBox=\"0 0 \(number(width)) \(number(total))\" width=\"\(number(width))\" "
            + "height=\"\(number(total))\" role=\"img\" aria-label=\"timeline of the newest versions\">"
        var y = 0.0
        for row in rows {
            html += "<g transform=\"translate(0,\(number(y)))\">\(row.svg)</g>"
            y += row.height
        }
        return html + "</svg></div></section>\n"
    }

    private static func timelineRow(_ row: ReportContent.VersionRow, failure: DeliveryStats.ChangeFailure?,
                                    now: Double) -> (height: Double, svg: String) {
        let labelWidth = 150.0, barsWidth = 640.0, barHeight = 14.0
        let version = row.version
        let attempts = row.details.attempts.filter { !$0.isDeployOnly }
        let jobs = Dictionary(grouping: row.details.tasks.filter { $0.kind == .job }, by: \.attemptID)
        let lanes = min(6, attempts.map { jobs[$0.id ?? 0]?.count ?? 0 }.max() ?? 0)
        let height = 8 + barHeight + Double(lanes) * 5 + 8
        let start = version.submittedAt
        let end = max(start + 1, attempts.map { $0.finishedAt ?? ($0.state.isFinished ? $0.createdAt : now) }.max() ?? start)
        func x(_ time: Double) -> Double { labelWidth + max(0, min(1, (time - start) / (end - start))) * barsWidth }
        let shortCommit = String(version.commitID.prefix(8))
        var svg = "<g class=\"version\" data-version=\"v\(version.id ?? 0)\">"
            + "<text x=\"0\" y=\"\(number(8 + barHeight - 2))\" font-size=\"12\"><tspan font-weight=\"600\">v\(version.id ?? 0)"
            + "</tspan> \(escape(shortCommit))\(version.priority == .security ? " <tspan fill=\"var(--fail)\">security</tspan>" : "")"
            + "</text>"
        svg += "<line x1=\"\(number(labelWidth))\" y1=\"\(number(height - 1))\" x2=\"\(number(labelWidth + barsWidth))\" "
            + "y2=\"\(number(height - 1))\" stroke=\"#eef2f3\"/>"
        for attempt in attempts {
            let began = attempt.startedAt ?? (attempt.state.isFinished ? attempt.finishedAt ?? now : now)
            let tip = "\(attempt.stage) #\(attempt.number): \(attempt.state.rawValue)"
            if began > attempt.createdAt {
                let color = attempt.startedAt != nil ? "var(--wait)" : stateColor(attempt.state)
                svg += bar(x(attempt.createdAt), x(began), y: 8, height: barHeight, color: color, opacity: 0.7,
                           title: "\(attempt.stage): waited \(TimeText.elapsed(began - attempt.createdAt))")
            }
            if let started = attempt.startedAt {
                let ended = attempt.finishedAt ?? now
                svg += bar(x(started), x(ended), y: 8, height: barHeight, color: stateColor(attempt.state), opacity: 1,
                           title: "\(tip) in \(TimeText.elapsed(ended - started))")
            }
            for (lane, job) in (jobs[attempt.id ?? 0] ?? []).prefix(lanes).enumerated() {
                guard let started = job.startedAt else { continue }
                let ended = job.finishedAt ?? now
                svg += bar(x(started), x(ended), y: 8 + barHeight + 2 + Double(lane) * 5, height: 3.5,
                           color: stateColor(job.state), opacity: 0.85,
                           title: "\(attempt.stage)/\(job.name): \(job.state.rawValue) in \(TimeText.elapsed(ended - started))")
            }
        }
        var notes = [attempts.isEmpty ? "no stage yet" : TimeText.elapsed(end - start)]
        if let failure { notes.append("✕ \(failure.cause.rawValue)") }
        let rollbacks = row.details.attempts.filter(\.isDeployOnly)
        if let last = rollbacks.last {
            notes.append("↩ redeployed\(last.environment.map { " to \($0)" } ?? "") by a rollback"
                         + (rollbacks.count > 1 ? " (\(rollbacks.count)×)" : ""))
        }
        svg += "<text x=\"\(number(labelWidth + barsWidth + 10))\" y=\"\(number(8 + barHeight - 2))\" font-size=\"12\">"
            + notes.enumerated().map { index, note in
                let color = index == 0 ? "" : note.hasPrefix("✕") ? " fill=\"var(--fail)\"" : " fill=\"var(--back)\""
                return "<tspan\(color)>\(escape(note))</tspan>"
            }.joined(separator: "  ") + "</text></g>"
        return (height, svg)
    }

    private static func bar(_ from: Double, _ to: Double, y: Double, height: Double, color: String, opacity: Double,
                            title: String) -> String {
        "<rect x=\"\(number(from))\" y=\"\(number(y))\" width=\"\(number(max(1.5, to - from)))\" height=\"\(number(height))\" "
            + "fill=\"\(color)\"\(opacity < 1 ? " fill-opacity=\"\(opacity)\"" : "") rx=\"2\"><title>\(escape(title))</title></rect>"
    }
}
