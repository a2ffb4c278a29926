import Foundation
import TestSupport

/// One `cdsh engine postgres://… --name NAME` process with its own cache folder.
final class TeamEngine: @unchecked Sendable {
    let name: String
    private let process = Process()

    /// With `stateOption`, the store is given as SPEC §5 writes it (`--state URL`), else as the positional argument.
    init(name: String, url: String, folder: String, grace: Double, project: ProjectFixture, extra: [String] = [],
         stateOption: Bool = false) throws {
        self.name = name
        process.executableURL = URL(fileURLWithPath: ProjectFixture.binary)
        process.arguments = ["engine"] + (stateOption ? ["--state", url] : [url]) + ["--name", name, "--cache", "\(folder)/cache-\(name)",
                             "--grace", String(grace)] + extra
        var variables = ProcessInfo.processInfo.environment
        variables.merge(project.environment) { $1 }
        variables["CDSH_MAX_JOBS"] = "3"
        variables["CDSH_STATE"] = nil  // the URL comes as the argument, as a team's service file would give it
        process.environment = variables
        process.standardInput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: "\(folder)/engine-\(name).out", contents: nil)
        let output = FileHandle(forWritingAtPath: "\(folder)/engine-\(name).out")
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// True once the process has ended by itself within `seconds`.
    func exits(within seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !process.isRunning
    }

    /// SIGKILL: no chance to finish or say goodbye.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then SIGKILL when it has not finished its work within ten seconds.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
