import Foundation
import Testing
import TestSupport

/// The patch goes first on the CPU too: while a security version is in flight, normal versions' jobs that hold
/// no environment run at a lower CPU and I/O priority, and get theirs back once it has gone through.
struct PatchYieldTests {
    /// Every normal build reports the nice value, I/O priority and session (autogroup) nice of a process in a group
    /// of its own every 20 ms until `release` exists;
    /// the patch's production smoke holds the patch in flight until `ship` exists.
    static let files = [
        "cdsh.yml": """
            name: yield
            deploy: "true"
            environments:
              production: {supersede: false}
            stages:
              - name: commit
                jobs:
                  build: {run: ./build.sh, artifacts: [cdsh.yml]}
              - name: production
                environment: production
                jobs:
                  smoke: ./smoke.sh
            """,
        "build.sh": """
            #!/bin/sh
            [ "$CDSH_PRIORITY" = security ] && exit 0
            # `timeout` leads a process group of its own, as some build tools do: what it runs yields all the same.
            exec timeout 120 ./report.sh
            """,
        "report.sh": """
            #!/bin/sh
            while [ ! -f "$YIELD_LOG/release" ]; do
              nice=$(cut -d ' ' -f 19 /proc/$$/stat)
              session=$(cut -d ' ' -f 3 /proc/$$/autogroup 2>/dev/null || echo -)
              echo "$nice $(ionice -p $$) session $session" > "$YIELD_LOG/$CDSH_VERSION.tmp" && mv "$YIELD_LOG/$CDSH_VERSION.tmp" "$YIELD_LOG/$CDSH_VERSION"
              sleep 0.02
            done
            """,
        "smoke.sh": """
            #!/bin/sh
            if [ "$CDSH_PRIORITY" = security ]; then
              while [ ! -f "$YIELD_LOG/ship" ]; do sleep 0.02; done
            fi
            """,
    ]

    @Test func normalJobsYieldWhileAPatchIsInFlightAndGetTheirPriorityBackAfter() async throws {
        let project = try ProjectFixture(files: Self.files, executables: ["build.sh", "report.sh", "smoke.sh"])
        defer { project.remove() }
        let log = project.path + "-yield"
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        defer {
            _ = FileManager.default.createFile(atPath: "\(log)/release", contents: nil)
            _ = FileManager.default.createFile(atPath: "\(log)/ship", contents: nil)
            try? FileManager.default.removeItem(atPath: log)
        }
        project.environment["YIELD_LOG"] = log
        @Sendable func seen(_ version: String) -> String? { try? String(contentsOfFile: "\(log)/\(version)", encoding: .utf8) }
        // With autogroup scheduling the CPU is shared between sessions first: the job's session yields too.
        let autogroups = FileManager.default.fileExists(atPath: "/proc/self/autogroup")
        let yielded = "10 best-effort: prio 7 session " + (autogroups ? "10" : "-")
        let restored = "0 none: prio 0 session " + (autogroups ? "0" : "-")
        func reaches(_ version: String, _ prefix: String) async throws -> Bool {
            try await ThreadPoll.first(within: 60) { seen(version)?.hasPrefix(prefix) == true ? true : nil } != nil
        }

        let submitted = try project.run("submit")
        try #require(submitted.status == 0, "\(submitted.stderr)")
        #expect(try await reaches("v1", restored), "before any patch v1's build runs as the engine does: \(seen("v1") ?? "-")")

        let patch = try project.run("patch HEAD --reason 'CVE-2026-7: fix'")
        #expect(patch.status == 0, "\(patch.stderr)")
        #expect(try await reaches("v1", yielded), "while the patch is in flight: \(seen("v1") ?? "-")")
        #expect(try project.run("submit").status == 0)
        // Lowered by the engine once it has the new process's id: its first milliseconds run as the engine does.
        #expect(try await reaches("v3", yielded), "a build started while the patch is in flight")

        #expect(FileManager.default.createFile(atPath: "\(log)/ship", contents: nil))
        let shipped = try project.run("wait v2 --timeout 60s")
        #expect(shipped.status == 0, "\(shipped.stdout)\(shipped.stderr)")
        #expect(try await reaches("v1", restored), "the patch is live: v1 has its priority back: \(seen("v1") ?? "-")")
        #expect(try await reaches("v3", restored), "\(seen("v3") ?? "-")")

        #expect(FileManager.default.createFile(atPath: "\(log)/release", contents: nil))
        let finished = try project.run("wait v1 --timeout 60s", "wait v3 --timeout 60s")
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
    }
}
