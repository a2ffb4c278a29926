import Foundation
import Testing
import TestSupport

/// A state folder this process may not write — here a file system remounted read-only; elsewhere a colleague's
/// folder: reading commands answer, writing ones fail with one line (exit 3), and no engine is started.
struct ReadOnlyStateTests {
    @Test func readingCommandsWorkOnAReadOnlyStateAndWritingOnesSayWhyTheyCannot() throws {
        guard getuid() == 0 else {
            print("ReadOnlyStateTests: not run — remounting a file system read-only needs root (the project's CI runs as root)")
            return
        }
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        let disk = project.path + "-disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        #expect(try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", disk], in: "/").status == 0)
        defer {
            _ = try? ProcessRunner.run("/bin/umount", ["-l", disk], in: "/")
            project.remove()
            try? FileManager.default.removeItem(atPath: "\(project.path)-history")
        }
        project.environment["CDSH_STATE"] = "\(disk)/state"
        // `history` reads the interactive history, not the state: give it one, as a user who typed commands has.
        try "status\n".write(toFile: "\(project.path)-history", atomically: true, encoding: .utf8)
        project.environment["CDSH_HISTFILE"] = "\(project.path)-history"
        let shipped = try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason ok", "wait v1 --timeout 60s")
        #expect(shipped.status == 0, "\(shipped.stderr)")
        // Once the engine has gone idle and closed the database (a file system in use cannot be remounted read-only),
        // as a colleague's folder is found: no `-shm` file beside the database.
        var remounted = false
        for _ in 0..<200 where !remounted {
            remounted = try ProcessRunner.run("/bin/mount", ["-o", "remount,ro", disk], in: "/").status == 0
            if !remounted { usleep(100_000) }
        }
        try #require(remounted)
        #expect(!FileManager.default.fileExists(atPath: "\(disk)/state/state.sqlite-shm"))

        for command in ["status", "show v1", "logs v1 commit build", "artifacts v1", "audit", "audit --verify", "envs", "queue",
                        "diff v1 v1", "verify v1", "history"] {
            let result = try project.run(command)
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(!result.stdout.isEmpty, "\(command)")
        }
        #expect(try project.run("status").stdout.contains("passed"))
        for command in ["submit", "cancel v1", "rerun v1 production"] {
            let result = try project.run(command)
            #expect(result.status == 3, "\(command): \(result.stderr)")
            #expect(result.stderr.hasSuffix("error: the state in \(disk)/state is read-only here: reading commands work, this one records and cannot\n"),
                    "\(command): \(result.stderr)")
        }
    }
}
