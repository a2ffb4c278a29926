import Foundation
import PipelineModel
import StoreCore

extension HTMLReport {
    /// One box of the value-stream map.
    struct StreamBox {
        var stage: String
        var environment: String?
        var manual: Bool
        var jobs: [String]
        var time: DeliveryStats.StageTime?
        var stock: DeliveryStats.Stock?
        var live: DeployRecord?
    }

    static func streamBoxes(_ content: ReportContent) -> [StreamBox] {
        let stats = content.stats
        let times = Dictionary(stats.stages.map { ($0.stage, $0) }, uniquingKeysWith: { first, _ in first })
        let stock = Dictionary(stats.stock.map { ($0.stage, $0) }, uniquingKeysWith: { first, _ in first })
        let live = Dictionary(content.current.map { ($0.environment, $0) }, uniquingKeysWith: { first, _ in first })
        guard let plan = content.plan else {
            return stats.stages.map { StreamBox(stage: $0.stage, manual: false, jobs: [], time: $0, stock: stock[$0.stage]) }
        }
        return plan.stages.map { stage in
            StreamBox(stage: stage.name, environment: stage.environment, manual: stage.approval == .manual,
                      jobs: stage.jobs.map(\.name), time: times[stage.name], stock: stock[stage.name],
                      live: stage.environment.flatMap { live[$0] })
        }
    }

    /// The stages in order as boxes joined by arrows: each with its environment and what runs there now, its
    /// jobs, how long versions wait for it and run in it (medians), and how many wait for it now.
    static func valueStreamSection(_ content: ReportContent) -> String {
        let boxes = streamBoxes(content)
        var html = "<section id=\"value-stream\"><h2>Value stream</h2>\n"
        guard !boxes.isEmpty else { return html + "<p class=\"none\">No stages yet.</p></section>\n" }
        let gap = 34.0, margin = 4.0, boxHeight = 182.0
        let boxWidth = min(260, max(190, (1150 - Double(boxes.count - 1) * gap) / Double(boxes.count)))
        let width = Double(boxes.count) * boxWidth + Double(boxes.count - 1) * gap + 2 * margin
        html += "<div class=\"scroll\"><svg viewBox=\"0 0 \(number(width)) \(number(boxHeight + 2 * margin))\" "
            + "width=\"\(number(width))\" height=\"\(number(boxHeight + 2 * margin))\" role=\"img\" "
            + "aria-label=\"value-stream map\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
            + "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#7f8c8d\"/>"
            + "</marker></defs>"
        for (index, box) in boxes.enumerated() {
            let x = margin + Double(index) * (boxWidth + gap)
            if index > 0 {
                let middle = number(margin + boxHeight / 2)
                html += "<line x1=\"\(number(x - gap + 2))\" y1=\"\(middle)\" x2=\"\(number(x - 3))\" y2=\"\(middle)\" "
                    + "stroke=\"#7f8c8d\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>"
            }
            html += streamBox(box, x: x, y: margin, width: boxWidth, height: boxHeight, now: content.generatedAt)
        }
        html += "</svg></div>\n"
        return html + "<p class=\"sub\">Waiting counts from a version's arrival at the stage to its start, approvals "
            + "included; both are medians over the window.</p></section>\n"
    }

    private static func streamBox(_ box: StreamBox, x: Double, y: Double, width: Double, height: Double,
                                  now: Double) -> String {
        let waiting = box.stock.map(StatsPresenter.waiting) ?? []
        var svg = "<g class=\"stage\" data-stage=\"\(escape(box.stage))\"><rect x=\"\(number(x))\" y=\"\(number(y))\" "
            + "width=\"\(number(width))\" height=\"\(number(height))\" rx=\"8\" fill=\"#fbfcfc\" stroke=\""
            + (box.environment == nil ? "#95a5a6" : "var(--run)") + "\" stroke-width=\"1.5\"/>"
        var lines: [(String, String)] = [("bold", box.stage)]
        if box.manual { lines.append(("mute", "manual approval")) }
        if let environment = box.environment {
            lines.append(("env", "→ " + environment))
            lines.append(("plain", box.live.map { "now v\($0.versionID), live \(TimeText.elapsed(max(0, now - ($0.finishedAt ?? now)))) ago" }
                            ?? "nothing deployed yet"))
        }
        let jobs = box.jobs.prefix(3).joined(separator: ", ") + (box.jobs.count > 3 ? " +\(box.jobs.count - 3)" : "")
        if !jobs.isEmpty { lines.append(("mute", "jobs: " + jobs)) }
        lines.append(("plain", "waits " + (box.time?.waiting.map { TimeText.elapsed($0.median) } ?? "–")
                        + " · runs " + (box.time?.running.map { TimeText.elapsed($0.median) } ?? "–")))
        for (index, (kind, text)) in lines.enumerated() {
            let attributes = kind == "bold" ? " font-weight=\"600\" font-size=\"14\""
                : kind == "env" ? " font-size=\"12\" fill=\"var(--run)\"" : kind == "mute" ? " font-size=\"11\" fill=\"#5d6d7e\""
                : " font-size=\"12\""
            svg += "<text x=\"\(number(x + 10))\" y=\"\(number(y + 22 + Double(index) * 19))\"\(attributes)>"
                + escape(clipped(text, to: Int(width / (kind == "bold" ? 8.5 : 6.6)))) + "</text>"
        }
        let badge = waiting.isEmpty ? "nothing waiting" : waiting.joined(separator: ", ")
        svg += "<rect x=\"\(number(x + 10))\" y=\"\(number(y + height - 30))\" width=\"\(number(width - 20))\" height=\"20\" "
            + "rx=\"10\" fill=\"\(waiting.isEmpty ? "#eef2f3" : "#fff3cd")\"/><text x=\"\(number(x + width / 2))\" "
            + "y=\"\(number(y + height - 16))\" font-size=\"11\" text-anchor=\"middle\">\(escape(badge))</text></g>"
        return svg
    }

    /// `text` cut to `count` characters with an ellipsis.
    static func clipped(_ text: String, to count: Int) -> String {
        text.count <= count ? text : String(text.prefix(count - 1)) + "…"
    }
}
