import Foundation
import Testing
import TestSupport

/// A full disk under the state folder (a 32 MiB tmpfs the test mounts): while a job writes its log, while an
/// artifact is stored, while the store records a deploy. Never a crash or a version stuck `running`; the task
/// ends `errored` with the reason, every command says the engine stopped (exit 3) until there is room, and nothing
/// recorded before is lost.
@Suite(.serialized)
struct FullDiskTests {
    /// The fixture torture's bad-days section uses too (scripts/torture_faults.py): flags in $FLAGS make it misbehave.
    static var files: [String: String] {
        let folder = "\(ProjectFixture.repositoryRoot)/Tests/Fixtures/full-disk"
        return Dictionary(uniqueKeysWithValues: ["cdsh.yml", "build.sh", "deploy.sh"].map { name in
            (name, (try? String(contentsOfFile: "\(folder)/\(name)", encoding: .utf8)) ?? "")
        })
    }

    /// A project whose state lives on a fresh 32 MiB file system; nil (with the reason printed) where this
    /// process may not mount one.
    private func projectOnSmallDisk() throws -> (ProjectFixture, disk: String)? {
        guard getuid() == 0 else {
            print("FullDiskTests: not run — mounting a small tmpfs needs root (the project's CI runs as root)")
            return nil
        }
        let project = try ProjectFixture(files: Self.files, executables: ["build.sh", "deploy.sh"])
        let disk = project.path + "-disk"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: project.deployRoot, withIntermediateDirectories: true)
        let mounted = try ProcessRunner.run("/bin/mount", ["-t", "tmpfs", "-o", "size=32m", "tmpfs", disk], in: project.path)
        #expect(mounted.status == 0, "\(mounted.stderr)")
        project.environment["CDSH_STATE"] = "\(disk)/state"
        project.environment["FLAGS"] = project.deployRoot
        return (project, disk)
    }

    private func remove(_ project: ProjectFixture, disk: String) {
        _ = try? ProcessRunner.run("/bin/sh", ["-c", #"pkill -KILL -f "engine $0/state"; umount -l "$0""#, disk], in: "/")
        project.remove()
    }

    /// Fills the disk but for `room` KiB.
    private func fill(_ disk: String, leaving room: Int) throws {
        let free = try #require(Self.freeKiB(disk))
        let filled = try ProcessRunner.run("/bin/sh", ["-c", #"head -c "$1" /dev/zero > "$0/filler""#, disk,
                                                       String(max(0, free - room) * 1024)], in: "/")
        #expect(filled.status == 0, "\(filled.stderr)")
    }

    private static func freeKiB(_ path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize) / 1024
    }

    /// v1 passes on an empty disk; then `misbehave` and a disk with 2.5 MiB left make v2 fail as `reason` says.
    private func secondVersionFails(flag: String, content: String = "", reason: String) throws {
        guard let (project, disk) = try projectOnSmallDisk() else { return }
        defer { remove(project, disk: disk) }
        let first = try project.run("submit", "wait v1 --timeout 60s")
        #expect(first.status == 0, "\(first.stderr)")
        try content.write(toFile: "\(project.deployRoot)/\(flag)", atomically: true, encoding: .utf8)
        try fill(disk, leaving: 2560)
        try project.commit(["README": "v2\n"], message: "second")
        let failed = try project.run("submit", "wait v2 --timeout 60s")
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("v2 stopped at"), "\(failed.stderr)")
        #expect(failed.stderr.contains(reason), "\(failed.stderr)")
        let status = try project.run("status")
        #expect(status.status == 3, "\(status.stderr)")
        #expect(status.stdout.contains("errored at"), "the version is not left running: \(status.stdout)")
        #expect(status.stderr.contains("engine stopped: disk full in \(disk)/state"), "\(status.stderr)")
        #expect(try project.run("wait v2 --timeout 5s").status != 124, "wait never runs into its timeout")

        try FileManager.default.removeItem(atPath: "\(disk)/filler")
        try FileManager.default.removeItem(atPath: "\(project.deployRoot)/\(flag)")
        let after = try project.run("status")
        #expect(after.status == 0, "room again: \(after.stderr)")
        let show = try project.run("show v1")
        #expect(show.stdout.contains("passed"), "v1's records are intact: \(show.stdout)")
        #expect(try project.run("audit --verify").status == 0)
        let stage = failed.stderr.contains("v2 stopped at commit") ? "commit" : "production"
        let again = try project.run("rerun v2 \(stage)", "wait v2 --timeout 60s")
        #expect(again.status == 0 || again.stdout.contains("awaits"), "\(again.stderr)")
        #expect(try project.run("status").stdout.contains("v2") == true)
    }

    @Test func aLogThatFillsTheDiskErrorsItsJobAndStopsTheEngine() throws {
        try secondVersionFails(flag: "loud", reason: "disk full while writing the log of build")
    }

    @Test func theEngineThatStopsForAFullDiskSaysSoToItsNotifyTargets() throws {
        guard let (project, disk) = try projectOnSmallDisk() else { return }
        defer { remove(project, disk: disk) }
        // The notification command writes outside the full disk, where people would hear it.
        let pipeline = Self.files["cdsh.yml"]! + """
            notify:
              - {on: [failed, engine-stopped], run: 'cat > "$FLAGS/heard-$CDSH_EVENT.json"'}

            """
        try project.commit(["cdsh.yml": pipeline], message: "notify")
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        try "".write(toFile: "\(project.deployRoot)/loud", atomically: true, encoding: .utf8)
        try fill(disk, leaving: 2560)
        try project.commit(["README": "v2\n"], message: "second")
        #expect(try project.run("submit", "wait v2 --timeout 60s").status == 1)
        let heard = "\(project.deployRoot)/heard-engine-stopped.json"
        let deadline = Date().addingTimeInterval(30)
        let failed = "\(project.deployRoot)/heard-failed.json"
        while !(FileManager.default.fileExists(atPath: heard) && FileManager.default.fileExists(atPath: failed)) && Date() < deadline {
            usleep(100_000)
        }
        let event = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: heard))) as? [String: Any]
        #expect((event?["text"] as? String)?.hasPrefix("full: engine stopped: disk full in \(disk)/state; the pipeline waits") == true,
                "\(String(describing: event))")
        #expect(FileManager.default.fileExists(atPath: failed), "and the job that failed")
    }

    @Test func anArtifactThatFillsTheDiskErrorsItsJob() throws {
        try secondVersionFails(flag: "big", reason: "disk full while storing the artifacts of build")
    }

    @Test func aDeployThatFillsTheDiskBeforeItsRecordErrorsItAndStopsTheEngine() throws {
        guard let (project, disk) = try projectOnSmallDisk() else { return }
        defer { remove(project, disk: disk) }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        try "\(disk)/filler".write(toFile: "\(project.deployRoot)/fill", atomically: true, encoding: .utf8)
        try project.commit(["README": "v2\n"], message: "second")
        let failed = try project.run("submit", "wait v2 --timeout 60s")
        #expect(failed.status == 1 || failed.status == 3, "\(failed.stderr)")
        #expect(failed.stderr.contains("disk full"), "\(failed.stderr)")
        let status = try project.run("status")
        #expect(status.status == 3 && status.stderr.contains("engine stopped: disk full"), "\(status.stderr)")
        try FileManager.default.removeItem(atPath: "\(disk)/filler")
        try FileManager.default.removeItem(atPath: "\(project.deployRoot)/fill")
        let after = try project.run("wait v2 --timeout 60s")
        #expect(after.status == 0 || after.status == 1, "settled once there is room: \(after.stderr)")
        #expect(!(try project.run("status").stdout.contains("running")))
        #expect(try project.run("audit --verify").status == 0)
    }

    @Test func aDiskAlreadyFullIsSaidAsAFullDiskNotAsADiskIOError() throws {
        guard let (project, disk) = try projectOnSmallDisk() else { return }
        defer { remove(project, disk: disk) }
        #expect(try project.run("status").status == 0)
        try fill(disk, leaving: 0)
        let submitted = try project.run("submit")
        #expect(submitted.status == 3, "\(submitted.stderr)")
        #expect(submitted.stderr.contains("disk full in \(disk)/state"), "\(submitted.stderr)")
        #expect(!submitted.stderr.contains("disk I/O error"), "\(submitted.stderr)")
    }

    @Test func gcRunsOnAFullDiskAndGivesTheRoomBack() throws {
        guard let (project, disk) = try projectOnSmallDisk() else { return }
        defer { remove(project, disk: disk) }
        // v1 stores 6 MB; v2 and v3 a few bytes. With `versions: 1`, production keeps v3 and v2 (its rollback).
        try "".write(toFile: "\(project.deployRoot)/big", atomically: true, encoding: .utf8)
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        try FileManager.default.removeItem(atPath: "\(project.deployRoot)/big")
        for number in [2, 3] {
            try project.commit(["README": "v\(number)\n"], message: "v\(number)")
            #expect(try project.run("submit", "wait v\(number) --timeout 60s").status == 0)
        }
        let pipeline = Self.files["cdsh.yml"]!.replacingOccurrences(of: "deploy: ./deploy.sh", with: "deploy: ./deploy.sh\nretention: {versions: 1, logs: 90d}")
        try project.commit(["cdsh.yml": pipeline], message: "retention")
        #expect(try ProcessRunner.run("/bin/sh", ["-c", #"find "$0" -type f -exec touch -d '2 hours ago' {} +"#,
                                                  "\(disk)/state/artifacts"], in: "/").status == 0)
        let lock = open("\(disk)/state/engine.lock", O_RDWR)
        defer { close(lock) }
        let idle = Date().addingTimeInterval(20)
        while flock(lock, LOCK_EX | LOCK_NB) != 0, Date() < idle { usleep(50_000) }  // the engine has gone idle
        flock(lock, LOCK_UN)
        try fill(disk, leaving: 0)

        let run = try project.run("gc --yes --json")
        #expect(run.status == 0, "\(run.stderr)")
        let collected = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(collected["removed"] as? Bool == true && collected["artifacts"] as? Double == 1, "\(collected)")
        #expect((Self.freeKiB(disk) ?? 0) > 5000, "the 6 MB artifact's room is back")
        #expect(try project.run("audit --verify").status == 0)
        #expect(try project.run("audit").stdout.contains(#""artifacts":"1""#))
    }
}
