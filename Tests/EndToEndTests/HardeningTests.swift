import Foundation
import Testing
import TestSupport

/// What cdsh leaves on disk is not writable by others, and names from the command line cannot become options
/// of the tools it runs.
struct HardeningTests {
    @Test func underAUmaskOfZeroNothingInTheStateFolderIsWritableByOthers() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let result = try ProcessRunner.run(
            "/bin/sh", ["-c", #"umask 000; exec "$0" "$@""#, ProjectFixture.binary, "-c", "submit", "-c", "wait v1 --timeout 60s"],
            in: project.path, environment: project.environment)
        #expect(result.status == 0, "\(result.stderr)")
        let state = "\(project.path)/.cdsh"
        var info = stat()
        #expect(lstat(state, &info) == 0 && info.st_mode & 0o777 == 0o700)
        var checked = 0
        for relative in FileManager.default.subpaths(atPath: state) ?? [] {
            guard lstat("\(state)/\(relative)", &info) == 0, info.st_mode & S_IFMT != S_IFLNK else { continue }
            #expect(info.st_mode & 0o022 == 0, ".cdsh/\(relative) has mode \(String(info.st_mode & 0o777, radix: 8))")
            checked += 1
        }
        #expect(checked >= 10)
    }

    @Test func aRevisionThatLooksLikeAnOptionIsRefusedAndWritesNothing() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let target = "\(project.path)-injected"
        for command in ["submit --output=\(target)", "patch --output=\(target) --reason x", "diff --output=\(target) v1"] {
            let result = try project.run(command)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: target), "\(command)")
        }
    }

    @Test func aConfigFileLinkedOutsideTheRepositoryIsNeverReadByParityOrADeploy() throws {
        let project = try ProjectFixture(files: ReleaseTests.files(specialistSleep: "0"), executables: PipelineFlowTests.executables)
        defer { project.remove() }
        let outside = "\(project.path)-outside.env"
        try "DB_HOST=leaked-value\n".write(toFile: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try FileManager.default.removeItem(atPath: "\(project.path)/config/production.env")
        try FileManager.default.createSymbolicLink(atPath: "\(project.path)/config/production.env", withDestinationPath: outside)
        try ProcessRunner.git(["add", "-A"], in: project.path)
        try ProcessRunner.git(["commit", "-q", "-m", "link production's config"], in: project.path)
        let parity = try project.run("parity sandbox production")
        #expect(!parity.stdout.contains("leaked-value"), "\(parity.stdout)")
        #expect(parity.stderr.contains("is a symbolic link leading outside the repository"), "\(parity.stderr)")
        let shipped = try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason ok", "wait v1 --timeout 60s")
        #expect(shipped.status == 1)
        #expect(shipped.stderr.contains("config/production.env is a symbolic link leading outside the repository"), "\(shipped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(project.deployRoot)/production/version"))
    }

    @Test func outputThatCannotBeWrittenEndsWithOneLineAndExit1NeverACrash() throws {
        let project = try ProjectFixture(files: CommandSurfaceTests.files, executables: PipelineFlowTests.executables)
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        func shell(_ script: String) throws -> ProcessResult {
            try ProcessRunner.run("/bin/sh", ["-c", script, "sh", ProjectFixture.binary], in: project.path,
                                  environment: project.environment)
        }
        let full = try shell(#""$1" -c status >/dev/full"#)
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr == "cdsh: error: cannot write the output: No space left on device\n", "\(full.stderr)")
        let fullErrors = try shell(#""$1" -c 'show v999' 2>/dev/full"#)
        #expect(fullErrors.status == 1)
        let closed = try shell(#""$1" -c status 2>&- && "$1" -c 'show v999' 2>&-"#)
        #expect(closed.status == 1, "the status ran, then show failed as it should: \(closed.stdout)")
        #expect(closed.stdout.contains("v1"))
        // A closed standard descriptor gets /dev/null before anything opens: the state database never lands on it.
        let closedOutput = try shell(#""$1" -c 'show v1' >&- && "$1" -c 'audit --verify'"#)
        #expect(closedOutput.status == 0, "\(closedOutput.stderr)")
        #expect(closedOutput.stdout.contains("audit chain verified"))
    }
}
