import Foundation
import StoreCore

extension HTMLReport {
    /// The four measures, each with its figure for the window and a chart of it per day (or week).
    static func measuresSection(_ stats: DeliveryStats) -> String {
        guard !stats.environment.isEmpty else {
            return "<section id=\"measures\"><h2>Delivery measures</h2>\n<p class=\"none\">The pipeline deploys to no "
                + "production environment, so there are no delivery measures; `report --env ENV` names one.</p></section>\n"
        }
        let periods = stats.periods(periodCount(stats))
        let unit = periodName(periods)
        let deploys = stats.deployTimes.count
        let rate = stats.changeFailureRate.map { "\(Int(($0 * 100).rounded())) %" } ?? "–"
        let open = stats.failures.filter { $0.restoredAt == nil }.count
        let cards = [
            card("Deployment frequency", figure: deploys == 0 ? "none" : StatsPresenter.rate(stats.deploysPerDay),
                 detail: "\(deploys) new version\(deploys == 1 ? "" : "s") live in \(stats.environment); deploys per \(unit)",
                 chart: barChart(periods, values: periods.map { $0.deploys == 0 ? nil : Double($0.deploys) }, color: "var(--run)",
                                 empty: "no deploys in the window", text: { "\(Int($0)) deploy\($0 == 1 ? "" : "s")" })),
            card("Lead time for changes", figure: stats.leadTime.map { TimeText.elapsed($0.median) } ?? "–",
                 detail: stats.leadTime.map { "median; p90 \(TimeText.elapsed($0.p90)); commit → live; median per \(unit)" }
                    ?? "no new version went live",
                 chart: barChart(periods, values: periods.map { $0.leadTime?.median }, color: "var(--pass)",
                                 empty: "no deploys in the window", text: { TimeText.elapsed($0) })),
            card("Change failure rate", figure: rate,
                 detail: "\(stats.failures.count) of \(stats.changes) changes failed"
                    + (stats.failures.isEmpty ? "" : " (\(StatsPresenter.causes(stats.failures)))") + "; per \(unit)",
                 chart: barChart(periods, values: periods.map { $0.changeFailureRate.map { $0 * 100 } }, color: "var(--fail)",
                                 empty: "no changes in the window", text: { "\(Int($0.rounded())) %" })),
            card("Time to restore", figure: stats.timeToRestore.map { TimeText.elapsed($0.median) } ?? "–",
                 detail: (stats.timeToRestore.map { "median; p90 \(TimeText.elapsed($0.p90))" } ?? "nothing to restore")
                    + (open > 0 ? "; \(open) not restored yet" : "") + "; median per \(unit)",
                 chart: barChart(periods, values: periods.map { $0.timeToRestore?.median }, color: "var(--back)",
                                 empty: "nothing restored in the window", text: { TimeText.elapsed($0) })),
        ]
        return "<section id=\"measures\"><h2>Delivery measures</h2>\n<div class=\"cards\">\n"
            + cards.joined(separator: "\n") + "\n</div></section>\n"
    }

    private static func card(_ label: String, figure: String, detail: String, chart: String) -> String {
        "<div class=\"card\"><div class=\"label\">\(escape(label))</div><div class=\"figure\">\(escape(figure))</div>"
            + "<div class=\"detail\">\(escape(detail))</div>\(chart)</div>"
    }

    /// Bars, one per period, scaled to the largest: a period without a value has none, one of 0 a tick on the
    /// baseline. Each bar's title says its period and value.
    static func barChart(_ periods: [DeliveryStats.Period], values: [Double?], color: String, empty: String,
                         text: (Double) -> String) -> String {
        let width = 240.0, height = 64.0, top = 12.0, bottom = 14.0
        let largest = values.compactMap { $0 }.max() ?? 0
        let slot = width / Double(max(values.count, 1))
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height + top + bottom))\" width=\"\(Int(width))\" "
            + "height=\"\(Int(height + top + bottom))\" role=\"img\" aria-label=\"per period\">"
        svg += "<line x1=\"0\" y1=\"\(number(top + height))\" x2=\"\(Int(width))\" y2=\"\(number(top + height))\" "
            + "stroke=\"var(--line)\"/>"
        for (index, value) in values.enumerated() {
            guard let value else { continue }
            let barHeight = largest > 0 && value > 0 ? max(1, value / largest * height) : 1
            let period = periods[index]
            svg += "<rect x=\"\(number(Double(index) * slot + slot * 0.1))\" y=\"\(number(top + height - barHeight))\" "
                + "width=\"\(number(max(1, slot * 0.8)))\" height=\"\(number(barHeight))\" fill=\"\(color)\" rx=\"1\">"
                + "<title>\(escape(TimeText.day(seconds: period.since))): \(escape(text(value)))</title></rect>"
        }
        if values.contains(where: { $0 != nil }) {
            svg += "<text x=\"0\" y=\"9\" font-size=\"9\">max \(escape(text(largest)))</text>"
        } else {
            svg += "<text x=\"0\" y=\"\(number(top + height / 2))\" font-size=\"10\">\(escape(empty))</text>"
        }
        if let first = periods.first, let last = periods.last {
            let baseline = number(top + height + 11)
            let long = last.until - first.since > 300 * 86_400
            func day(_ time: Double) -> String { TimeText.day(seconds: time) + (long ? " " + TimeText.year(seconds: time) : "") }
            svg += "<text x=\"0\" y=\"\(baseline)\" font-size=\"9\">\(escape(day(first.since)))</text>"
                + "<text x=\"\(Int(width))\" y=\"\(baseline)\" font-size=\"9\" text-anchor=\"end\">"
                + "\(escape(day(last.until)))</text>"
        }
        return svg + "</svg>"
    }

    /// A coordinate with at most one decimal.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
