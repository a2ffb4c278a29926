import Foundation
import Testing
import TestSupport

/// `stats` on a real pipeline: two releases in production, the second rolled back, a third awaiting approval.
struct StatsTests {
    @Test func aRollbackCountsAsAFailedChangeRestoredWhenItsDeployPassed() throws {
        let project = try CommandSurfaceTests().twoReleases()
        defer { project.remove() }
        let rolled = try project.run("rollback production --reason 'v2 misbehaves'", "wait v1 rollback --timeout 60s")
        #expect(rolled.status == 0, "\(rolled.stderr)")
        try project.commit(["README": "third\n"], message: "third")
        #expect(try project.run("submit", "wait v3 --timeout 60s").status == 0)

        let stats = try project.json("stats --json")
        #expect(stats["environment"] as? String == "production")
        #expect(stats["deploys"] as? Int == 2, "v1 and v2; the rollback is no new version: \(stats)")
        let lead = try #require(stats["lead_time"] as? [String: Any])
        #expect(lead["count"] as? Int == 2 && stats["lead_times_from_submit"] as? Int == 0, "from the commits' times")
        #expect(((lead["median_seconds"] as? Double) ?? -1) >= 0)
        let failed = stats["failed_changes"] as? [[String: Any]] ?? []
        #expect(failed.map { "\($0["version"] ?? "") \($0["cause"] ?? "")" } == ["v2 rolled back"])
        #expect(failed.first?["restored_at"] is String, "the rollback's deploy passed: \(failed)")
        #expect(stats["change_failure_rate"] as? Double == 0.5)
        #expect((stats["time_to_restore"] as? [String: Any])?["count"] as? Int == 1)
        let stages = (stats["stages"] as? [[String: Any]] ?? []).compactMap { $0["stage"] as? String }
        #expect(stages == ["commit", "sandbox", "production"], "\(stages)")
        let waiting = stats["waiting_now"] as? [[String: Any]] ?? []
        #expect(waiting.map { "\($0["stage"] ?? "") \($0["awaiting_approval"] ?? "")" } == ["production 1"], "\(waiting)")

        // Another machine's clone without these commits (here: no git at all) still knows when they were made.
        try FileManager.default.moveItem(atPath: "\(project.path)/.git", toPath: "\(project.path)/.git-away")
        let elsewhere = try project.json("stats --json")
        try FileManager.default.moveItem(atPath: "\(project.path)/.git-away", toPath: "\(project.path)/.git")
        #expect(elsewhere["lead_times_from_submit"] as? Int == 0 && elsewhere["lead_time"] as? [String: Any] != nil,
                "the committer times were recorded at submit: \(elsewhere)")

        let text = try project.run("stats")
        #expect(text.status == 0, "\(text.stderr)")
        for line in ["deploys          2 (", "change failures  50 % (1 of 2: 1 rolled back)",
                     "time to restore  median ", "waiting now      1 awaits approval for production"] {
            #expect(text.stdout.contains(line), "\(line)\n\(text.stdout)")
        }
        let ascii = try project.cdsh(["-c", "stats"], extra: ["LANG": "C"])
        #expect(ascii.stdout.contains("commit -> live") && !ascii.stdout.contains("→") && !ascii.stdout.contains("█"),
                "without a UTF-8 locale: \(ascii.stdout)")
        usleep(1_100_000)  // every deploy of this fast pipeline ended within the last second
        let narrow = try project.run("stats --since 1s")
        #expect(narrow.stdout.contains("deploys          none"), "\(narrow.stdout)")
        let bad = try project.run("stats --since soon")
        #expect(bad.status == 2 && bad.stderr.contains("--since needs a duration such as 30d"), "\(bad.stderr)")
        let huge = try project.run("stats --since 999999999999999d")
        #expect(huge.status == 2 && huge.stderr.contains("at most 100 years"), "\(huge.stderr)")
        let unknown = try project.run("stats --env moon")
        #expect(unknown.status == 2 && unknown.stderr.contains("no environment `moon`"), "\(unknown.stderr)")
    }
}
