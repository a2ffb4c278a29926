import Foundation
import Testing
import TestSupport

/// A state folder an earlier release made (Tests/Fixtures/release-state, schema v4 with camelCase columns and
/// absolute paths) and then moved to another path with its repository — restored from a backup, say — is upgraded
/// in place by today's binary, loses nothing, and carries on.
struct UpgradeTests {
    static let fixture = "\(ProjectFixture.repositoryRoot)/Tests/Fixtures/release-state"

    /// Clones the fixture's repository to `project` and unpacks its state folder there.
    static func restore(to project: String) throws {
        try ProcessRunner.git(["clone", "-q", "\(fixture)/repo.bundle", project],
                              in: (project as NSString).deletingLastPathComponent)
        try ProcessRunner.run("/bin/tar", ["-xzf", "\(fixture)/state.tar.gz", "-C", project])
    }

    @Test func aMissingLogIsAnErrorThatSaysWhereItWasLookedFor() throws {
        let folder = try TemporaryFolder("cdsh-restored")
        defer { folder.remove() }
        let project = "\(folder.path)/project"
        try Self.restore(to: project)
        try FileManager.default.removeItem(atPath: "\(project)/.cdsh/logs/v1/commit/1/build.log")
        let result = try ProcessRunner.run(ProjectFixture.binary, ["-c", "logs v1 commit build"], in: project,
                                           environment: ["NO_COLOR": "1", "CDSH_ENGINE_IDLE": "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the log of build is missing: \(project)/.cdsh/logs/v1/commit/1/build.log does not exist"),
                "\(result.stderr)")
    }

    @Test func aStateFolderMadeByTheEarlierReleaseUpgradesAndCarriesOn() throws {
        let madeAt = try String(contentsOfFile: "\(Self.fixture)/made-at", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = try TemporaryFolder("cdsh-restored")
        defer { folder.remove() }
        let root = folder.path, project = "\(folder.path)/restored-project"
        #expect(project != madeAt && !FileManager.default.fileExists(atPath: madeAt), "not where the release made it")
        try Self.restore(to: project)
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
        #expect(try cdsh("logs v1 commit build").stdout.contains("built"), "its log is found where the folder is now")

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
