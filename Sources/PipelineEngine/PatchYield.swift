import StageRunner
import StoreCore
import Synchronization

/// Makes normal work give the machine to a security patch. While a patch is in flight, the process groups of
/// normal versions' jobs that hold no environment run at a lower CPU and I/O priority (`ProcessGroup.yield`);
/// when none is, they get theirs back, and jobs started after run as usual. A job that holds an environment keeps
/// its priority: a patch may be waiting for that environment, and slowing the job would slow the patch.
final class PatchYield: Sendable {
    private struct State {
        var patchInFlight = false
        var groups: Set<Int32> = []
    }
    private let state = Mutex(State())

    /// Whether a task of `launch` is work that yields: a normal version's job bound to no environment.
    static func yields(_ launch: TaskLaunch) -> Bool {
        launch.task.kind == .job && launch.version.priority == .normal && launch.task.environment == nil
    }

    /// A yielding job's command started, leading process group `group`.
    func started(_ group: Int32) {
        state.withLock { state in
            state.groups.insert(group)
            if state.patchInFlight { ProcessGroup(id: group).yield(true) }
        }
    }

    /// The command leading `group` ended.
    func ended(_ group: Int32) {
        _ = state.withLock { $0.groups.remove(group) }
    }

    /// What the latest settle saw: lowers or restores every running yielding group when that changed.
    func patch(inFlight: Bool) {
        state.withLock { state in
            guard state.patchInFlight != inFlight else { return }
            state.patchInFlight = inFlight
            for group in state.groups { ProcessGroup(id: group).yield(inFlight) }
        }
    }
}
