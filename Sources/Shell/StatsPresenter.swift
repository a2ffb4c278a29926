import Foundation
import StoreCore

/// `stats` for people (a compact table with small bars, Unicode or ASCII) and for scripts (JSON).
enum StatsPresenter {
    static func lines(_ stats: DeliveryStats, style: TextStyle) -> [String] {
        let seconds = stats.until - stats.since, days = seconds / 86_400
        let wholeDays = days >= 1 && days == days.rounded()
        let window = wholeDays ? "\(Int(days)) day\(days == 1 ? "" : "s")" : TimeText.elapsed(seconds)
        var lines = ["\(stats.environment), the last \(window) (since \(TimeText.clock(seconds: stats.since)))"]
        let count = stats.deployTimes.count
        let frequency = count == 0 ? "none" : days < 1 ? "\(count)" : "\(count) (\(rate(stats.deploysPerDay)))"
        let periods = min(14, max(1, Int(days.rounded())))
        lines.append(row("deploys", frequency + (count == 0 || days < 1 ? "" : "  " + sparkline(stats.periods(periods).map(\.deploys), style: style))))
        if let lead = stats.leadTime {
            let fallback = stats.leadTimesFromSubmit == 0 ? "" : ", \(stats.leadTimesFromSubmit) from the submit (commit not in git here)"
            lines.append(row("lead time", "median \(TimeText.elapsed(lead.median)), p90 \(TimeText.elapsed(lead.p90))  commit \(style.unicode ? "→" : "->") live\(fallback)"))
        } else {
            lines.append(row("lead time", "no deploys"))
        }
        if let rate = stats.changeFailureRate {
            let causes = causes(stats.failures)
            lines.append(row("change failures", "\(Int((rate * 100).rounded())) % (\(stats.failures.count) of \(stats.changes)\(causes.isEmpty ? "" : ": " + causes))"))
        } else {
            lines.append(row("change failures", "no deploys"))
        }
        let open = stats.failures.filter { $0.restoredAt == nil }.count
        if let restore = stats.timeToRestore {
            lines.append(row("time to restore", "median \(TimeText.elapsed(restore.median)), p90 \(TimeText.elapsed(restore.p90))"
                             + (open > 0 ? "; \(open) not restored yet" : "")))
        } else {
            lines.append(row("time to restore", stats.failures.isEmpty ? "no failed changes" : "\(open) not restored yet"))
        }
        lines += stageLines(stats, style: style)
        let slowest = stats.jobs.prefix(3).map { "\($0.stage)/\($0.job) \(TimeText.elapsed($0.running.median))" }
        if !slowest.isEmpty { lines.append(row("slowest jobs", slowest.joined(separator: ", ") + "  (medians)")) }
        if !stats.flakyJobs.isEmpty {
            lines.append(row("flaky jobs", stats.flakyJobs.map {
                "\($0.stage)/\($0.job) (\($0.versions) version\($0.versions == 1 ? "" : "s"))"
            }.joined(separator: ", ") + "  failed, then passed on a rerun"))
        }
        let stock = stats.stock.flatMap { entry in waiting(entry).map { "\($0) for \(entry.stage)" } }
        lines.append(row("waiting now", stock.isEmpty ? "nothing" : stock.joined(separator: ", ")))
        return lines
    }

    /// How many failed changes had each cause: `1 deploy failed, 2 rolled back` ("" for none).
    static func causes(_ failures: [DeliveryStats.ChangeFailure]) -> String {
        Dictionary(grouping: failures, by: \.cause).sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.value.count) \($0.key.rawValue)" }.joined(separator: ", ")
    }

    /// What waits at a stage now: `1 awaits approval`, `2 queued` (each only when there are any).
    static func waiting(_ entry: DeliveryStats.Stock) -> [String] {
        (entry.awaitingApproval > 0 ? ["\(entry.awaitingApproval) await\(entry.awaitingApproval == 1 ? "s" : "") approval"] : [])
            + (entry.queued > 0 ? ["\(entry.queued) queued"] : [])
    }

    /// `median / p90` of a spread, or `none` without one.
    static func spread(_ value: DeliveryStats.Spread?, none: String) -> String {
        value.map { "\(TimeText.elapsed($0.median)) / \(TimeText.elapsed($0.p90))" } ?? none
    }

    private static func row(_ label: String, _ text: String) -> String {
        TextStyle.pad(label, 17) + text
    }

    /// How often, in the unit that reads best: `2.5 a day`, `1.2 a week`, `0.5 a month`.
    static func rate(_ perDay: Double) -> String {
        if perDay >= 1 { return String(format: "%.1f a day", perDay) }
        return perDay * 7 >= 0.95 ? String(format: "%.1f a week", perDay * 7) : String(format: "%.1f a month", perDay * 30)
    }

    private static func stageLines(_ stats: DeliveryStats, style: TextStyle) -> [String] {
        guard !stats.stages.isEmpty else { return [] }
        let width = max(5, stats.stages.map(\.stage.count).max() ?? 5) + 2
        let longest = stats.stages.compactMap { $0.running?.median }.max() ?? 0
        func spread(_ value: DeliveryStats.Spread?) -> String { Self.spread(value, none: "-") }
        var lines = [TextStyle.pad("stage", width) + TextStyle.pad("waiting (median / p90)", 25) + "running (median / p90)"]
        for stage in stats.stages {
            let running = spread(stage.running)
            let fraction = longest > 0 ? (stage.running?.median ?? 0) / longest : 0
            lines.append(TextStyle.pad(stage.stage, width) + TextStyle.pad(spread(stage.waiting), 25)
                         + TextStyle.pad(running, 20) + bar(fraction, width: 12, style: style))
        }
        return lines
    }

    /// A bar `width` cells long at most, in eighths of a cell where Unicode is on.
    static func bar(_ fraction: Double, width: Int, style: TextStyle) -> String {
        let clamped = min(max(fraction, 0), 1)
        guard style.unicode else { return String(repeating: "#", count: Int((clamped * Double(width)).rounded())) }
        let eighths = Int((clamped * Double(width * 8)).rounded())
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
        let text = String(repeating: "█", count: eighths / 8) + partial
        return style.color && !text.isEmpty ? "\u{1B}[36m\(text)\u{1B}[0m" : text
    }

    /// One character per value, its height relative to the largest.
    static func sparkline(_ values: [Int], style: TextStyle) -> String {
        let levels = style.unicode ? ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"] : ["_", ".", "-", "=", "+", "*", "#", "@"]
        let top = max(values.max() ?? 0, 1)
        return values.map { value in value == 0 ? " " : levels[min(7, (value * 8 - 1) / top)] }.joined()
    }

    static func json(_ stats: DeliveryStats) -> JSONValue {
        func spread(_ value: DeliveryStats.Spread?) -> JSONValue {
            value.map { .object([("count", .int($0.count)), ("median_seconds", .number($0.median)), ("p90_seconds", .number($0.p90))]) } ?? .null
        }
        return .object([
            ("environment", .string(stats.environment)), ("since", .time(stats.since)), ("until", .time(stats.until)),
            ("deploys", .int(stats.deployTimes.count)), ("deploys_per_day", .number(stats.deploysPerDay)),
            ("changes", .int(stats.changes)),
            ("lead_time", spread(stats.leadTime)), ("lead_times_from_submit", .int(stats.leadTimesFromSubmit)),
            ("change_failure_rate", stats.changeFailureRate.map(JSONValue.number) ?? .null),
            ("failed_changes", .array(stats.failures.map { failure in
                .object([("version", .string("v\(failure.versionID)")), ("cause", .string(failure.cause.rawValue)),
                         ("failed_at", .time(failure.failedAt)), ("restored_at", .time(failure.restoredAt))])
            })),
            ("time_to_restore", spread(stats.timeToRestore)),
            ("stages", .array(stats.stages.map { stage in
                .object([("stage", .string(stage.stage)), ("waiting", spread(stage.waiting)), ("running", spread(stage.running))])
            })),
            ("jobs", .array(stats.jobs.map { job in
                .object([("stage", .string(job.stage)), ("job", .string(job.job)), ("running", spread(job.running))])
            })),
            ("flaky_jobs", .array(stats.flakyJobs.map { job in
                .object([("stage", .string(job.stage)), ("job", .string(job.job)), ("versions", .int(job.versions))])
            })),
            ("waiting_now", .array(stats.stock.map { entry in
                .object([("stage", .string(entry.stage)), ("awaiting_approval", .int(entry.awaitingApproval)),
                         ("queued", .int(entry.queued))])
            })),
        ])
    }
}
