import Foundation
import PipelineModel
import StoreCore
import Testing
@testable import PipelineEngine

/// What a dead engine's job left running is stopped by the recovery as a job is stopped: the whole session.
struct LeftoverProcessesTests {
    @Test func aLeftoverJobsProcessInAGroupOfItsOwnIsStoppedToo() async throws {
        let folder = NSTemporaryDirectory() + "cdsh-leftover-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A job as the engine starts one (a session of its own) that runs a command under `timeout`.
        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        job.arguments = ["sh", "-c", "echo $$ > \(folder)/leader; timeout 60 sh -c 'echo $$ > \(folder)/inner; exec sleep 60'"]
        try job.run()
        func pid(_ name: String) async throws -> Int32? {
            for _ in 0..<250 {
                if let text = try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8),
                   let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return pid }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        let leader = try #require(try await pid("leader")), inner = try #require(try await pid("inner"))
        defer { kill(inner, SIGKILL); kill(leader, SIGKILL) }
        let task = TaskRecord(attemptID: 1, kind: .job, name: "build", state: .interrupted, pid: Int(leader))
        await LeftoverProcesses.stop([task])
        let stat = (try? String(contentsOfFile: "/proc/\(inner)/stat", encoding: .utf8)) ?? ""
        #expect(stat.isEmpty || stat.contains(") Z "), "the sleep in timeout's own group is gone with the job")
        job.waitUntilExit()
    }
}
