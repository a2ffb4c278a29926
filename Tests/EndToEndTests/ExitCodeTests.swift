import Foundation
import Testing
import TestSupport

/// Each exit status of SPEC §4, provoked for real through the built binary.
struct ExitCodeTests {
    @Test func eachStatusOfTheTable() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("status").status == 0)
        #expect(try project.run("show v7").status == 1)
        #expect(try project.run("stauts").status == 2)
        #expect(try project.run("submit nonexistent-branch").status == 1)
        #expect(try project.run("submit", "approve v1 --reason early").status == 4)

        let notAFolder = "\(project.path)/README-state"
        #expect(FileManager.default.createFile(atPath: notAFolder, contents: Data("x".utf8)))
        let unavailable = try project.cdsh(["--state", notAFolder, "-c", "status"])
        #expect(unavailable.status == 3, "\(unavailable.stderr)")
        #expect(unavailable.stderr.contains("cannot open the state store"))

        try Data("this is not a database, it is garbage".utf8).write(to: URL(fileURLWithPath: "\(project.path)/.cdsh/state.sqlite"))
        try? FileManager.default.removeItem(atPath: "\(project.path)/.cdsh/state.sqlite-wal")
        try? FileManager.default.removeItem(atPath: "\(project.path)/.cdsh/state.sqlite-shm")
        #expect(try project.run("status").status == 3)
    }

    @Test func anInterruptedCommandEndsTheSessionWith130() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProjectFixture.binary)
        process.arguments = ["-c", "wait v1 production", "-c", "status"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        process.environment = ProcessInfo.processInfo.environment.merging(project.environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(700_000)
        #expect(process.isRunning, "wait blocks on the manual gate")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("cdsh:-c:1: error: interrupted"))
    }

    @Test func echoShowsEachCommandOnStderr() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let result = try project.cdsh(["--echo"], input: "status; help wait\n")
        #expect(result.status == 0)
        #expect(result.stderr == "+ status\n+ help wait\n")
    }
}
