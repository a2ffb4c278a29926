import Foundation
import Testing
import TestSupport

/// The patch goes first on the CPU too: while a security version is in flight, normal versions' jobs that hold
/// no environment run at a lower CPU and I/O priority, and get theirs back once it has gone through.
struct PatchYieldTests {
    /// Every normal build reports its process's nice value and I/O priority every 20 ms until `release` exists;
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
            while [ ! -f "$YIELD_LOG/release" ]; do
              nice=$(cut -d ' ' -f 19 /proc/$$/stat)
              echo "$nice $(ionice -p $$)" > "$YIELD_LOG/$CDSH_VERSION.tmp" && mv "$YIELD_LOG/$CDSH_VERSION.tmp" "$YIELD_LOG/$CDSH_VERSION"
              [ -f "$YIELD_LOG/$CDSH_VERSION.first" ] || cp "$YIELD_LOG/$CDSH_VERSION" "$YIELD_LOG/$CDSH_VERSION.first"
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
        let project = try ProjectFixture(files: Self.files, executables: ["build.sh", "smoke.sh"])
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
        func reaches(_ version: String, _ prefix: String) async throws -> Bool {
            try await ThreadPoll.first(within: 60) { seen(version)?.hasPrefix(prefix) == true ? true : nil } != nil
        }

        let submitted = try project.run("submit")
        try #require(submitted.status == 0, "\(submitted.stderr)")
        #expect(try await reaches("v1", "0 none"), "before any patch v1's build runs as the engine does: \(seen("v1") ?? "-")")

        let patch = try project.run("patch HEAD --reason 'CVE-2026-7: fix'")
        #expect(patch.status == 0, "\(patch.stderr)")
        #expect(try await reaches("v1", "10 best-effort: prio 7"), "while the patch is in flight: \(seen("v1") ?? "-")")
        #expect(try project.run("submit").status == 0)
        #expect(try await reaches("v3", "10 best-effort: prio 7"))
        let first = try String(contentsOfFile: "\(log)/v3.first", encoding: .utf8)
        #expect(first.hasPrefix("10 best-effort: prio 7"), "a build started while the patch is in flight yields from its start")

        #expect(FileManager.default.createFile(atPath: "\(log)/ship", contents: nil))
        let shipped = try project.run("wait v2 --timeout 60s")
        #expect(shipped.status == 0, "\(shipped.stdout)\(shipped.stderr)")
        #expect(try await reaches("v1", "0 none"), "the patch is live: v1 has its priority back: \(seen("v1") ?? "-")")
        #expect(try await reaches("v3", "0 none"), "\(seen("v3") ?? "-")")

        #expect(FileManager.default.createFile(atPath: "\(log)/release", contents: nil))
        let finished = try project.run("wait v1 --timeout 60s", "wait v3 --timeout 60s")
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
    }
}
