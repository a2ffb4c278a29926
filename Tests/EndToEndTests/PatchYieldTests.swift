import Foundation
import Testing
import TestSupport

/// The patch goes first on the machine too: while a security version has stage work, normal versions' jobs that
/// hold no environment run at the lowest CPU and I/O priority, their sessions too, and get theirs back after.
/// Giving a CPU priority back needs root (or CAP_SYS_NICE): run as root.
@Suite(.enabled(if: getuid() == 0, "giving a job its CPU priority back needs root"))
struct PatchYieldTests {
    /// Every normal build reports the nice value, I/O priority and session (autogroup) nice of a process in a group
    /// of its own (`timeout` makes one) every 20 ms until `release` exists; the patch's production smoke reports
    /// its own once, then holds the patch in flight until `ship` exists.
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
            timeout 120 ./report.sh "$CDSH_VERSION"
            """,
        "report.sh": """
            #!/bin/sh
            while [ -d "$YIELD_LOG" ] && [ ! -f "$YIELD_LOG/release" ]; do
              ./priority.sh > "$YIELD_LOG/$1.tmp" && mv "$YIELD_LOG/$1.tmp" "$YIELD_LOG/$1"
              sleep 0.02
            done
            """,
        "priority.sh": """
            #!/bin/sh
            echo "$(cut -d ' ' -f 19 /proc/$$/stat) $(ionice -p $$) session $(cut -d ' ' -f 3 /proc/$$/autogroup 2>/dev/null || echo -)"
            """,
        "smoke.sh": """
            #!/bin/sh
            if [ "$CDSH_PRIORITY" = security ]; then
              ./priority.sh > "$YIELD_LOG/patch"
              while [ -d "$YIELD_LOG" ] && [ ! -f "$YIELD_LOG/ship" ]; do sleep 0.02; done
            fi
            """,
    ]

    @Test func normalJobsYieldWhileAPatchHasWorkAndGetTheirPriorityBackAfter() async throws {
        let project = try ProjectFixture(files: Self.files, executables: ["build.sh", "report.sh", "priority.sh", "smoke.sh"])
        defer { project.remove() }
        let log = project.path + "-yield"
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: log) }  // the reporting loops end with it
        project.environment["YIELD_LOG"] = log
        @Sendable func seen(_ name: String) -> String? { try? String(contentsOfFile: "\(log)/\(name)", encoding: .utf8) }
        // What the engine runs at (it inherits this process's nice), and with autogroup scheduling the session's.
        let ownNice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let autogroups = FileManager.default.fileExists(atPath: "/proc/self/autogroup")
        let yielded = "19 best-effort: prio 7 session " + (autogroups ? "19" : "-") + "\n"
        let restored: @Sendable (String) -> Bool = { line in line.hasPrefix("\(ownNice) none:") && line.hasSuffix(" session " + (autogroups ? "0" : "-") + "\n") }
        func reaches(_ name: String, _ wanted: @escaping @Sendable (String) -> Bool) async throws -> Bool {
            try await ThreadPoll.first(within: 60) { seen(name).map(wanted) == true ? true : nil } != nil
        }

        let submitted = try project.run("submit")
        try #require(submitted.status == 0, "\(submitted.stderr)")
        #expect(try await reaches("v1", restored), "before any patch v1's build runs as the engine does: \(seen("v1") ?? "-")")
        let engineSession = try String(contentsOfFile: "/proc/\(try Self.enginePID(project))/autogroup", encoding: .utf8)

        let patch = try project.run("patch HEAD --reason 'CVE-2026-7: fix'")
        #expect(patch.status == 0, "\(patch.stderr)")
        #expect(try await reaches("v1") { $0 == yielded }, "while the patch has work: \(seen("v1") ?? "-")")
        #expect(try project.run("submit").status == 0)
        // Lowered by the engine once it has the new process's id: its first milliseconds run as the engine does.
        #expect(try await reaches("v3") { $0 == yielded }, "a build started while the patch has work: \(seen("v3") ?? "-")")
        #expect(try await reaches("patch", restored), "the patch's own job keeps its priority: \(seen("patch") ?? "-")")
        let engineLog = try String(contentsOfFile: "\(project.path)/.cdsh/engine.log", encoding: .utf8)
        #expect(engineLog.contains("a security patch has work: 1 running normal job(s) yield the machine to it"), "\(engineLog)")
        #expect(try String(contentsOfFile: "/proc/\(try Self.enginePID(project))/autogroup", encoding: .utf8) == engineSession,
                "the engine's own session keeps its nice")

        #expect(FileManager.default.createFile(atPath: "\(log)/ship", contents: nil))
        let shipped = try project.run("wait v2 --timeout 60s")
        #expect(shipped.status == 0, "\(shipped.stdout)\(shipped.stderr)")
        #expect(try await reaches("v1", restored), "the patch is live: v1 has its priority back: \(seen("v1") ?? "-")")
        #expect(try await reaches("v3", restored), "\(seen("v3") ?? "-")")

        #expect(FileManager.default.createFile(atPath: "\(log)/release", contents: nil))
        let finished = try project.run("wait v1 --timeout 60s", "wait v3 --timeout 60s")
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
    }

    static func enginePID(_ project: ProjectFixture) throws -> Int32 {
        let text = try String(contentsOfFile: "\(project.path)/.cdsh/engine.lock", encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
