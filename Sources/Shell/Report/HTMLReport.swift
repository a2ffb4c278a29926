import Foundation
import PipelineModel
import StoreCore

/// `report --html`: one self-contained page (inline CSS and SVG; no scripts, fonts or links to fetch) that reads
/// in a browser and on paper: the delivery measures over time, the value-stream map, the newest versions as a
/// timeline, where the time goes and the audit log's newest entries. The markup is also well-formed XML, so tests
/// (and a user's own tools) can parse it with an XML parser.
enum HTMLReport {
    /// Periods the measures are charted over: days for a window of up to 31 days, weeks up to a year, else at most
    /// 52 equal parts.
    static func periodCount(_ stats: DeliveryStats) -> Int {
        let days = max(1, ((stats.until - stats.since) / 86_400).rounded(.up))
        return days <= 31 ? Int(days) : min(52, Int((days / 7).rounded(.up)))
    }

    /// What one period of `periods` is, for the charts' captions: `day`, `week`, `12 h`, `9 days`.
    static func periodName(_ periods: [DeliveryStats.Period]) -> String {
        guard let first = periods.first else { return "day" }
        let seconds = first.until - first.since
        if abs(seconds - 86_400) < 60 { return "day" }
        if abs(seconds - 7 * 86_400) < 60 { return "week" }
        return seconds < 86_400 ? "\(Int((seconds / 3_600).rounded())) h" : "\(Int((seconds / 86_400).rounded())) days"
    }

    static func document(_ content: ReportContent) -> String {
        let stats = content.stats
        let window = (stats.environment.isEmpty ? "" : "\(stats.environment), ")
            + "\(TimeText.clock(seconds: stats.since)) to \(TimeText.clock(seconds: stats.until))"
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <meta name="generator" content="cdsh"/>
            <title>\(escape(content.title)): delivery report</title>
            <style>\(style)</style>
            </head>
            <body>
            <header><h1>\(escape(content.title))</h1>
            <p class="sub">Delivery report for \(escape(window)). Made by cdsh at \
            \(escape(TimeText.clock(seconds: content.generatedAt))) from the pipeline's own records.</p></header>

            """
        html += measuresSection(stats)
        html += valueStreamSection(content)
        html += timelineSection(content)
        html += timeSection(stats)
        html += auditSection(content.audit)
        html += "<footer>cdsh report · the same figures as <code>cdsh -c 'stats --since …'</code></footer>\n</body>\n</html>\n"
        return html
    }

    /// Text for HTML: its markup characters escaped; control characters (but line breaks and tabs) and what XML does
    /// not allow (U+FFFE, U+FFFF) dropped.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            case "\n", "\t": output.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE
                    || scalar.value == 0xFFFF { continue }
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// A table whose columns `classes` names get that CSS class (`num`, `when`, `code`).
    static func table(_ header: [String], _ rows: [[String]], classes: [Int: String] = [:]) -> String {
        func cells(_ values: [String], _ tag: String) -> String {
            values.enumerated().map { index, value in
                "<\(tag)\(classes[index].map { " class=\"\($0)\"" } ?? "")>\(value)</\(tag)>"
            }.joined()
        }
        return "<table><thead><tr>\(cells(header, "th"))</tr></thead><tbody>"
            + rows.map { "<tr>\(cells($0, "td"))</tr>" }.joined(separator: "\n") + "</tbody></table>\n"
    }

    static func spread(_ value: DeliveryStats.Spread?) -> String { StatsPresenter.spread(value, none: "–") }

    private static func timeSection(_ stats: DeliveryStats) -> String {
        var html = "<section id=\"where-time-goes\"><h2>Where the time goes</h2>\n"
        html += table(["Stage", "Started", "Waiting (median / p90)", "Running (median / p90)"], stats.stages.map { stage in
            [escape(stage.stage), String(max(stage.waiting?.count ?? 0, stage.running?.count ?? 0)),
             spread(stage.waiting), spread(stage.running)]
        }, classes: [1: "num"])
        html += "<h3>Slowest jobs</h3>\n"
        html += stats.jobs.isEmpty ? "<p class=\"none\">No job ended in the window.</p>\n"
            : table(["Job", "Runs", "Running (median / p90)"], stats.jobs.prefix(10).map { job in
                [escape("\(job.stage)/\(job.job)"), String(job.running.count), spread(job.running)]
            }, classes: [1: "num"])
        html += "<h3>Flaky jobs</h3>\n"
        html += stats.flakyJobs.isEmpty ? "<p class=\"none\">No job failed and then passed on a rerun of the same version.</p>\n"
            : table(["Job", "Versions where it failed, then passed on a rerun"], stats.flakyJobs.map { job in
                [escape("\(job.stage)/\(job.job)"), String(job.versions)]
            }, classes: [1: "num"])
        return html + "</section>\n"
    }

    private static func auditSection(_ entries: [AuditEntry]) -> String {
        var html = "<section id=\"audit\"><h2>Audit log, newest \(entries.count) entries</h2>\n"
        guard !entries.isEmpty else { return html + "<p class=\"none\">The audit log is empty.</p></section>\n" }
        html += table(["#", "When", "Who", "Action", "Version", "Detail"], entries.reversed().map { entry in
            [String(entry.id ?? 0), escape(TimeText.clock(seconds: entry.at)), escape(entry.who), escape(entry.action),
             entry.versionID.map { "v\($0)" } ?? "–", escape(entry.detail)]
        }, classes: [0: "num", 1: "when", 3: "when", 5: "code"])
        return html + "</section>\n"
    }

    static let style = """
        :root{--pass:#2e7d32;--fail:#c62828;--run:#1565c0;--wait:#cfd8dc;--approve:#f9a825;--stop:#9e9e9e;\
        --back:#ef6c00;--ink:#1c2833;--mute:#5d6d7e;--line:#d5dbdb}
        *{box-sizing:border-box}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0 auto;\
        max-width:1200px;padding:24px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
        h1{margin:0 0 4px;font-size:26px}h2{font-size:19px;margin:28px 0 10px;border-bottom:2px solid var(--line);\
        padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
        .sub,.none,footer{color:var(--mute)}footer{margin-top:32px;font-size:12px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(250px,1fr));gap:12px}
        .card{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
        .card .label{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
        .card .figure{font-size:24px;font-weight:600;margin:2px 0}.card .detail{color:var(--mute);font-size:12px}
        svg{display:block;max-width:100%;height:auto}svg text{font-family:inherit;fill:var(--ink)}
        .scroll{overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-size:13px;margin-bottom:8px}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
        th{background:#f4f6f6}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        td.when{white-space:nowrap}td.code{font:11px/1.4 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
        .legend span{display:inline-block;margin-right:14px;font-size:12px;color:var(--mute)}
        .legend i{display:inline-block;width:12px;height:10px;margin-right:4px;border-radius:2px;vertical-align:-1px}
        @media print{body{padding:0;font-size:11px;max-width:none}section{break-inside:avoid}.scroll{overflow:visible}}
        """
}
