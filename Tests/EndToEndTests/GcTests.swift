import Foundation
import Testing
import TestSupport

/// `gc` under `retention: {versions: 2, logs: 1s}` with the engine running a job meanwhile: what goes is only
/// what no environment runs, no rollback may return to and no version in flight needs.
struct GcTests {
    static let files = PipelineFlowTests.files.merging([
        "cdsh.yml": PipelineFlowTests.pipeline.replacingOccurrences(
            of: "deploy: ./scripts/deploy.sh", with: "deploy: ./scripts/deploy.sh\nretention: {versions: 2, logs: 1s}"),
        "scripts/unit-test.sh": """
            #!/bin/sh
            if [ -f "$DEPLOY_ROOT/slow" ]; then touch "$DEPLOY_ROOT/started"; sleep 3; fi
            grep -q pass tests/expected
            """,
    ]) { $1 }

    @Test func gcRemovesOnlyWhatNoEnvironmentRollbackOrVersionInFlightNeeds() throws {
        let project = try ProjectFixture(files: Self.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        // v1 live in production; v2–v5 rejected at production (v5 live in sandbox); v6 waits for approval.
        #expect(try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason ok", "wait v1 --timeout 60s").status == 0)
        for number in 2...6 {
            try project.commit(["README": "v\(number)\n"], message: "v\(number)")
            #expect(try project.run("submit", "wait v\(number) --timeout 60s").status == 0)
            if number < 6 { #expect(try project.run("reject v\(number) --reason no").status == 0) }
        }
        // v2–v6 ran in well under a second here: their logs must be older than `logs: 1s` before gc looks.
        usleep(1_200_000)
        // Every stored artifact looks old enough to go; v7's build then runs while gc does.
        let blobs = "\(project.path)/.cdsh/artifacts/sha256"
        #expect(try ProcessRunner.run("/bin/sh", ["-c", #"find "$0" -type f -exec touch -d '2 hours ago' {} +"#, blobs], in: "/").status == 0)
        try "".write(toFile: "\(project.deployRoot)/slow", atomically: true, encoding: .utf8)
        try project.commit(["README": "v7\n"], message: "v7")
        #expect(try project.run("submit").status == 0)
        while !FileManager.default.fileExists(atPath: "\(project.deployRoot)/started") { usleep(20_000) }

        let dry = try project.run("gc")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("gc would remove") && dry.stdout.contains("`gc --yes` removes it"), "\(dry.stdout)")
        for number in 1...6 { #expect(try project.run("verify v\(number)").status == 0, "a dry run removes nothing (v\(number))") }

        let real = try project.json("gc --yes --json")
        #expect(real["removed"] as? Bool == true)
        // Newest two: v7, v6 (both in flight); sandbox runs v6 and may roll back to v5 or v4; production runs v1.
        #expect(real["collectedVersions"] as? [String] == ["v2", "v3"], "\(real)")
        #expect((real["artifacts"] as? Double ?? 0) == 2, "\(real)")
        #expect((real["logs"] as? Double ?? 0) > 0, "\(real)")
        for number in [2, 3] {
            let verified = try project.run("verify v\(number)")
            #expect(verified.status == 4, "v\(number)'s artifact is gone")
            #expect(verified.stdout.hasPrefix("MISSING ") && verified.stdout.contains("`gc` removed it"), "\(verified.stdout)")
        }
        for number in [1, 4, 5, 6] { #expect(try project.run("verify v\(number)").status == 0, "v\(number) is kept") }
        let gone = try project.run("logs v2 commit build")
        #expect(gone.status == 1, "v2's log is gone: \(gone.stdout) \(gone.stderr)")

        // What stayed is what the environments, a rollback, the version in flight and the running job need.
        #expect(try project.run("wait v7 --timeout 60s").stdout.contains("v7 awaits approval"), "v7 stored its artifact during gc")
        #expect(try project.run("verify v7").status == 0)
        let approved = try project.run("approve v6 --reason ok", "wait v6 --timeout 60s")
        #expect(approved.status == 0 && approved.stdout.contains("v6 passed every stage"), "\(approved.stderr)")
        let rolledBack = try project.run("rollback production v1 --reason 'v6 misbehaves'", "wait v1 rollback --timeout 60s")
        #expect(rolledBack.status == 0, "\(rolledBack.stderr)")
        #expect(try project.run("audit --verify").status == 0)
        #expect(try project.run("audit").stdout.contains(#""artifacts":"2""#))
    }

    @Test func retentionIsCheckedWhereItIsWritten() throws {
        let project = try ProjectFixture(files: Self.files.merging(["cdsh.yml": PipelineFlowTests.pipeline.replacingOccurrences(
            of: "deploy: ./scripts/deploy.sh", with: "deploy: ./scripts/deploy.sh\nretention: {versions: 0, logs: soon}")]) { $1 },
            executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let result = try project.run("gc")
        #expect(result.status == 2)
        #expect(result.stderr.contains("cdsh.yml:3:23: error: `versions` of `retention` must be a whole number from 1 to 100000, not `0`"),
                "\(result.stderr)")
    }
}
