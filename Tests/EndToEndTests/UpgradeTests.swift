import Foundation
import Testing
import TestSupport

/// A state folder an earlier release made (Tests/Fixtures/release-state, schema v4 with camelCase columns) is
/// upgraded in place by today's binary, loses nothing, and carries on.
struct UpgradeTests {
    static let fixture = "\(ProjectFixture.repositoryRoot)/Tests/Fixtures/release-state"

    @Test func aStateFolderMadeByTheEarlierReleaseUpgradesAndCarriesOn() throws {
        // The release stored absolute paths: the project goes back where it was made.
        let project = try String(contentsOfFile: "\(Self.fixture)/made-at", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let root = (project as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try ProcessRunner.git(["clone", "-q", "\(Self.fixture)/repo.bundle", project], in: root)
        try ProcessRunner.run("/bin/tar", ["-xzf", "\(Self.fixture)/state.tar.gz", "-C", project])
        let environment = ["DEPLOY_ROOT": "\(root)/deployed", "CDSH_USER": "carol", "NO_COLOR": "1",
                           "CDSH_ENGINE_IDLE": "1", "LANG": "C.UTF-8"]
        func cdsh(_ commands: String...) throws -> ProcessResult {
            try ProcessRunner.run(ProjectFixture.binary, commands.flatMap { ["-c", $0] }, in: project,
                                  environment: environment)
        }
        defer { _ = try? cdsh("cancel v5") }

        let status = try cdsh("status")
        #expect(status.status == 0, "\(status.stderr)")
        let lines = status.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("v4 ") && $0.hasSuffix("awaiting-approval at production") }, "\(status.stdout)")
        #expect(lines.contains { $0.hasPrefix("v3 ") && $0.hasSuffix("failed at commit") })
        #expect(lines.contains { $0.hasPrefix("v1 ") && $0.hasSuffix("passed") })

        let show = try cdsh("show v1 --json")
        let v1 = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect(v1["note"] as? String == "first release")
        #expect((v1["artifacts"] as? [[String: Any]])?.map { $0["path"] as? String } == ["dist/app.txt"])
        let audit = try cdsh("audit --verify")
        #expect(audit.status == 0, "the release's audit chain still verifies: \(audit.stdout) \(audit.stderr)")
        #expect(try cdsh("verify v2").status == 0, "the release's artifacts are intact")
        #expect(try cdsh("logs v1 commit build").stdout.contains("built"))

        // Carries on: the version the release left at the gate goes to production, and a new one runs.
        let approved = try cdsh("approve v4 --reason 'after the upgrade'", "wait v4 --timeout 60s")
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(try String(contentsOfFile: "\(root)/deployed/production/app.txt", encoding: .utf8) == "app 1.3\n")
        try "1.4\n".write(toFile: "\(project)/VERSION", atomically: true, encoding: .utf8)
        try ProcessRunner.git(["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qam", "release 1.4"],
                              in: project)
        let next = try cdsh("submit", "wait v5 --timeout 60s")
        #expect(next.stdout.contains("v5 awaits approval for production"), "\(next.stdout) \(next.stderr)")
        let history = try cdsh("audit v4")
        #expect(history.stdout.contains("approve") && history.stdout.contains("carol"))
    }
}
