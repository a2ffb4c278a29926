import Foundation
import PipelineModel
import StoreCore
import Testing
@testable import PipelineEngine

/// What a dead engine's job left running is stopped by the recovery as a job is stopped: the whole session — and
/// only while the recorded id still names that job, not a process that got the id since.
struct LeftoverProcessesTests {
    /// A job as the engine starts one (a session of its own, its workspace in its environment) running a command
    /// under `timeout`; returns its leader, the inner command, and the process to wait for.
    func startJob(in folder: String, workspace: String) async throws -> (leader: Int32, inner: Int32, job: Process) {
        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        job.arguments = ["sh", "-c", "echo $$ > \(folder)/leader; timeout 60 sh -c 'echo $$ > \(folder)/inner; exec sleep 60'"]
        job.environment = ProcessInfo.processInfo.environment.merging([LeftoverProcesses.workspaceVariable: workspace]) { $1 }
        try job.run()
        func pid(_ name: String) async throws -> Int32? {
            for _ in 0..<250 {
                if let text = try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8),
                   let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) { return pid }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        return (try #require(try await pid("leader")), try #require(try await pid("inner")), job)
    }

    func alive(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return !stat.isEmpty && !stat.contains(") Z ")
    }

    @Test func aLeftoverJobsProcessInAGroupOfItsOwnIsStoppedToo() async throws {
        let folder = NSTemporaryDirectory() + "cdsh-leftover-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let layout = StateLayout(folder: folder)
        let (leader, inner, job) = try await startJob(in: folder, workspace: layout.workPath(taskID: 7))
        defer { kill(inner, SIGKILL); kill(leader, SIGKILL) }
        let task = TaskRecord(id: 7, attemptID: 1, kind: .job, name: "build", state: .interrupted, pid: Int(leader))
        await LeftoverProcesses.stop([task], layout: layout)
        #expect(!alive(inner), "the sleep in timeout's own group is gone with the job")
        job.waitUntilExit()
    }

    /// The recorded id now leads someone else's session (ids are used again): it is left alone.
    @Test func aRecordedIdThatNamesAnotherProcessNowIsLeftAlone() async throws {
        let folder = NSTemporaryDirectory() + "cdsh-leftover-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let layout = StateLayout(folder: folder)
        let (leader, inner, job) = try await startJob(in: folder, workspace: "/elsewhere/task-7")
        defer { kill(inner, SIGKILL); kill(leader, SIGKILL) }
        let task = TaskRecord(id: 7, attemptID: 1, kind: .job, name: "build", state: .interrupted, pid: Int(leader))
        await LeftoverProcesses.stop([task], layout: layout)
        #expect(alive(leader) && alive(inner), "another task's (or anyone's) processes are not stopped")
        kill(inner, SIGKILL)
        kill(leader, SIGKILL)
        job.waitUntilExit()
    }
}
