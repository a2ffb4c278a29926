import Foundation
import Testing
import TestSupport

/// `report --html` on real pipelines: the page parsed for its parts, opened in a real headless browser, and
/// written whole or not at all.
struct ReportTests {
    /// Two releases in production, the second rolled back, a third awaiting approval: the report of that history.
    @Test func theReportShowsTheMeasuresTheStreamTheVersionsAndTheAudit() throws {
        let project = try CommandSurfaceTests().twoReleases()
        defer { project.remove() }
        // A reason is the user's text: markup in it is shown, never run.
        let reason = "v2 misbehaves <script>alert('x')</script> & <img src=http://example.invalid/t.png>"
        #expect(try project.run("rollback production --reason \"\(reason)\"", "wait v1 rollback --timeout 60s").status == 0)
        try project.commit(["README": "third\n"], message: "third")
        #expect(try project.run("submit", "wait v3 --timeout 60s").status == 0)

        let written = try project.run("report --html report.html")
        #expect(written.status == 0, "\(written.stderr)")
        let path = "\(project.path)/report.html"
        #expect(written.stdout.contains("wrote \(path) (") && written.stdout.contains("file://\(path)"), "\(written.stdout)")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let page = ParsedPage(data)
        #expect(page.error == nil, "the page is well-formed: \(page.error ?? "")")
        for id in ["measures", "value-stream", "timeline", "where-time-goes", "audit"] {
            #expect(page.element(id: id)?.name == "section", "section #\(id)")
        }

        // Self-contained: nothing to fetch, nothing to run.
        let names = Set(page.elements.map(\.name))
        #expect(names.isDisjoint(with: ["script", "link", "img", "iframe", "object", "embed"]), "\(names)")
        let references = page.elements.flatMap { $0.attributes.filter { ["src", "href", "xlink:href"].contains($0.key) }.values }
        #expect(references.isEmpty, "\(references)")
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("@import") && !text.contains("https://"))
        #expect(!text.replacingOccurrences(of: "url(#arrow)", with: "").contains("url("), "no fetched CSS resources")

        let measures = try #require(page.element(id: "measures")).text
        #expect(measures.contains("Change failure rate50 %"), "\(measures)")
        #expect(measures.contains("1 of 2 changes failed (1 rolled back)"), "\(measures)")
        let stages = page.elements.filter { $0.attributes["class"] == "stage" }
        #expect(stages.map { $0.attributes["data-stage"] ?? "" } == ["commit", "sandbox", "production"])
        let production = try #require(stages.last).text
        #expect(production.contains("now v1, live") && production.contains("1 awaits approval"), "\(production)")
        let rows = page.elements.filter { $0.attributes["class"] == "version" }
        #expect(rows.map { $0.attributes["data-version"] ?? "" } == ["v3", "v2", "v1"], "newest first")
        try #require(rows.count == 3)
        #expect(rows[1].text.contains("✕ rolled back"), "\(rows[1].text)")
        #expect(rows[2].text.contains("↩ redeployed to production by a rollback"), "\(rows[2].text)")
        #expect(rows[0].all.contains { $0.name == "rect" && $0.attributes["fill"] == "var(--approve)" },
                "v3 waits for approval")
        let audit = try #require(page.element(id: "audit")).text
        #expect(audit.contains("rollback") && audit.contains("<script>alert('x')</script> & <img"), "shown as text: \(audit)")

        let narrow = try project.json("report --html report.html --versions 1 --audit 2 --json")
        #expect(narrow["versions"] as? Int == 1 && narrow["audit_entries"] as? Int == 2, "\(narrow)")
        #expect(ParsedPage(try Data(contentsOf: URL(fileURLWithPath: path))).elements
            .filter { $0.attributes["class"] == "version" }.count == 1, "the file was replaced")
    }

    @Test func badDestinationsAreRefusedWithWhatToDo() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": "name: tiny\nstages:\n  - name: commit\n    jobs:\n      build: 'true'\n"])
        defer { project.remove() }
        let missing = try project.run("report")
        #expect(missing.status == 2 && missing.stderr.contains("needs --html FILE"), "\(missing.stderr)")
        let noFolder = try project.run("report --html nowhere/report.html")
        #expect(noFolder.status == 1 && noFolder.stderr.contains("there is no folder \(project.path)/nowhere"), "\(noFolder.stderr)")
        let folder = try project.run("report --html .")
        #expect(folder.status == 1 && folder.stderr.contains("is a folder"), "\(folder.stderr)")
        let many = try project.run("report --html r.html --versions 501")
        #expect(many.status == 2 && many.stderr.contains("at most 500 versions"), "\(many.stderr)")
        let empty = try project.run("report --html empty.html")
        #expect(empty.status == 0, "a pipeline without versions has a report too: \(empty.stderr)")
        let page = ParsedPage(try Data(contentsOf: URL(fileURLWithPath: "\(project.path)/empty.html")))
        #expect(page.error == nil && page.element(id: "timeline")?.text.contains("No versions yet") == true)
    }

    /// A run killed mid-write leaves its temporary file; the next run removes it once it is clearly abandoned,
    /// and leaves one a run may still be writing.
    @Test func whatAKilledRunLeftIsRemovedByALaterOne() throws {
        let project = try ProjectFixture(files: ["cdsh.yml": "name: tiny\nstages:\n  - name: commit\n    jobs:\n      build: 'true'\n"])
        defer { project.remove() }
        let abandoned = "\(project.path)/.cdsh-report-0123456789ab.tmp", recent = "\(project.path)/.cdsh-report-ba9876543210.tmp"
        for path in [abandoned, recent] { #expect(FileManager.default.createFile(atPath: path, contents: Data("<html".utf8))) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: abandoned)
        #expect(try project.run("report --html report.html").status == 0)
        #expect(!FileManager.default.fileExists(atPath: abandoned), "an hour-old temporary report is removed")
        #expect(FileManager.default.fileExists(atPath: recent), "one a run may still be writing stays")
    }

    /// On a full disk the report fails with the reason and the earlier report stays whole.
    @Test func aFullDiskKeepsTheEarlierReport() throws {
        guard getuid() == 0 else {
            print("ReportTests: full disk not tried — mounting a small tmpfs needs root (the project's CI runs as root)")
            return
        }
        let project = try CommandSurfaceTests().twoReleases()
        let disk = project.path + "-disk"
        defer {
            _ = try? ProcessRunner.run("/bin/umount", ["-l", disk])
            try? FileManager.default.removeItem(atPath: disk)
            project.remove()
        }
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mounted = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", disk])
        guard mounted.status == 0 else {
            print("ReportTests: full disk not tried — this root may not mount a tmpfs: \(mounted.stderr)")
            return
        }
        #expect(try project.run("report --html \(disk)/report.html").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(disk)/report.html"))
        _ = try ProcessRunner.run("/bin/sh", ["-c", #"head -c 1048576 /dev/zero > "$0/filler""#, disk])
        let full = try project.run("report --html \(disk)/report.html")
        #expect(full.status == 1 && full.stderr.contains("No space left on device"), "\(full.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(disk)/report.html")) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk).sorted() == ["filler", "report.html"],
                "no half-written file is left behind")
    }
}
