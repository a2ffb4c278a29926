import Foundation
import Testing
import TestSupport

/// The example shop's report opened in a real headless browser: it renders a page with content (against a blank
/// page of the same size) and prints, with no console errors and nothing fetched. The screenshot is kept at
/// $CDSH_REPORT_SCREENSHOT when set (scripts/gen-docs makes docs/report.png with it).
struct ReportBrowserTests {
    /// Chromium from Debian's packages (scripts/setup installs chromium-headless-shell where the machine allows).
    static let browser: String? = ["chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"]
        .lazy.compactMap { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
                .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }.first

    /// Runs the browser on `url` with `arguments`, at most 90 s.
    private static func browse(_ url: String, _ arguments: [String], profile: String) throws -> ProcessResult {
        try ProcessRunner.run("/usr/bin/timeout", ["90", browser!, "--headless", "--no-sandbox", "--disable-gpu",
                                                   "--user-data-dir=\(profile)", "--disable-background-networking",
                                                   "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars"]
                              + arguments + [url])
    }

    @Test(.enabled(if: browser != nil, "no headless Chromium here: scripts/setup installs chromium-headless-shell from Debian's packages where the machine allows"))
    func theShopsReportRendersAndPrintsInABrowser() throws {
        let project = try ProjectFixture(copying: "\(ProjectFixture.repositoryRoot)/examples/shop")
        project.environment["CDSH_DEPLOY_ROOT"] = project.deployRoot
        defer {
            _ = try? ProcessRunner.run("/bin/sh", ["\(project.path)/scripts/stop-all.sh", project.deployRoot])
            project.remove()
        }
        let first = try project.run("submit --note 'first version of the shop'", "wait v1 --timeout 3m",
                                    "approve v1 --reason 'all checks passed'", "wait v1 --timeout 3m")
        #expect(first.status == 0, "\(first.stderr)")
        try project.commit(["README.md": "# shop\n\nSecond version.\n"], message: "shop: second version")
        let second = try project.run("submit", "wait v2 --timeout 3m", "approve v2 --reason 'checks passed'",
                                     "wait v2 --timeout 3m", "rollback production --reason 'checkout errors'",
                                     "wait v1 rollback --timeout 3m")
        #expect(second.status == 0, "\(second.stderr)")
        try project.commit(["README.md": "# shop\n\nThird version: the checkout fixed.\n"], message: "shop: fix checkout")
        #expect(try project.run("submit", "wait v3 --timeout 3m").status == 0)
        #expect(try project.run("report --html report.html").status == 0)

        let url = "file://\(project.path)/report.html", profile = project.path + "-browser"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let shot = "\(project.path)/report.png", blank = "\(project.path)/blank.png", pdf = "\(project.path)/report.pdf"
        let rendered = try Self.browse(url, ["--screenshot=\(shot)", "--window-size=1240,1900"], profile: profile)
        #expect(rendered.status == 0, "\(rendered.stderr)")
        for complaint in ["CONSOLE", "ERR_", "Failed to load", "Refused"] {
            #expect(!rendered.stderr.contains(complaint), "the browser said: \(rendered.stderr)")
        }
        _ = try Self.browse("about:blank", ["--screenshot=\(blank)", "--window-size=1240,1900"], profile: profile)
        let size = { (path: String) in ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        #expect(size(blank) > 0 && size(shot) > 5 * size(blank), "a rendered page, not a blank one: \(size(shot)) bytes against \(size(blank))")
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))

        let printed = try Self.browse(url, ["--print-to-pdf=\(pdf)", "--no-pdf-header-footer"], profile: profile)
        #expect(printed.status == 0, "\(printed.stderr)")
        let document = String(decoding: try Data(contentsOf: URL(fileURLWithPath: pdf)), as: UTF8.self)
        #expect(document.hasPrefix("%PDF") && document.contains("/Type /Page"), "it prints")

        if let keep = ProcessInfo.processInfo.environment["CDSH_REPORT_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: shot, toPath: keep)
        }
    }
}
