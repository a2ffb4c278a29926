import Dispatch
import StageRunner
import StoreCore
import Synchronization

/// Makes normal work give the machine to a security patch. While a patch has stage work, every process of a
/// normal version's job that holds no environment runs at the lowest CPU and I/O priority, and so does the job's
/// session (`ProcessPriority`); when none has, each gets back what it had. A job that holds an environment keeps
/// its priority: a patch may be waiting for that environment, and slowing the job would slow the patch.
///
/// The /proc reads and system calls run on a serial queue of their own, never under the lock nor on the caller's
/// thread, and each pass applies the latest state: the patch's own launches do not wait for them.
final class PatchYield: Sendable {
    /// A running job that yields: its first process (a reused id with another start time is not this job).
    private struct Job {
        let leader: Int32
        let started: UInt64
    }

    private struct State {
        var patchHasWork = false
        var jobs: [Int: Job] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())
    private let worker = DispatchQueue(label: "cdsh.patch-yield")
    private let saved = SavedPriorities()

    /// Whether a task of `launch` is work that yields: a normal version's job bound to no environment.
    static func yields(_ launch: TaskLaunch) -> Bool {
        launch.task.kind == .job && launch.version.priority == .normal && launch.task.environment == nil
    }

    /// A yielding job's command started as process `leader` (which leads its own session); the token to pass to
    /// `ended`, nil for an id that names no process of its own.
    func started(_ leader: Int32) -> Int? {
        guard leader > 1, let began = ProcessGroup.membership(of: leader)?.started else { return nil }
        let token = state.withLock { state in
            state.nextToken += 1
            state.jobs[state.nextToken] = Job(leader: leader, started: began)
            return state.nextToken
        }
        reconcile(only: token)
        return token
    }

    /// The command `token` names ended: what it left behind is no longer the engine's to change.
    func ended(_ token: Int) {
        _ = state.withLock { $0.jobs.removeValue(forKey: token) }
        worker.async { [saved] in saved.forget(token) }
    }

    /// What the latest settle saw. Returns how many jobs now yield or get their priority back when that changed,
    /// nil when it did not.
    func patch(hasWork: Bool) -> Int? {
        let changed: Int? = state.withLock { state in
            guard state.patchHasWork != hasWork else { return nil }
            state.patchHasWork = hasWork
            return state.jobs.count
        }
        if changed != nil { reconcile() }
        return changed
    }

    /// Brings every running job (or the one `only` names) to the latest state.
    private func reconcile(only: Int? = nil) {
        worker.async { [self] in
            let (lowering, jobs) = state.withLock { state in
                (state.patchHasWork, only.map { token in state.jobs.filter { $0.key == token } } ?? state.jobs)
            }
            for (token, job) in jobs where ProcessGroup.membership(of: job.leader)?.started == job.started {
                if lowering { lower(token, job) } else { restore(token, job) }
            }
        }
    }

    /// Lowers the job's session and every process in it not lowered yet (the leader first: what it forks after
    /// inherits it), looking again until a look finds none new — at most ten looks, for a job that forks
    /// without pause.
    private func lower(_ token: Int, _ job: Job) {
        var record = saved.take(token) ?? SavedPriorities.Record()
        if record.session == nil, let nice = ProcessPriority.sessionNice(of: job.leader),
           ProcessPriority.setSessionNice(max(nice, ProcessPriority.yielding.nice), of: job.leader) {
            record.session = nice
        }
        var pending = [job.leader]
        for _ in 0..<10 {
            for pid in pending where record.processes[pid] == nil {
                guard let priority = ProcessPriority.of(pid) else { continue }
                // One forked after the leader was lowered inherited that: it had what the leader had.
                let leaderHad = record.processes[job.leader]
                record.processes[pid] = leaderHad.map { priority == $0.lowered ? $0 : priority } ?? priority
                priority.lowered.apply(to: pid)
            }
            pending = ProcessGroup(id: job.leader).sessionMembers.filter { record.processes[$0] == nil }
            if pending.isEmpty { break }
        }
        saved.keep(record, for: token)
    }

    /// Gives each process of the job back what it had (one forked while it yielded, what its leader had) —
    /// unless it changed its priority itself since — and the session its nice.
    private func restore(_ token: Int, _ job: Job) {
        guard let record = saved.take(token), let leaderHad = record.processes[job.leader] else { return }
        for pid in ProcessGroup(id: job.leader).sessionMembers {
            let had = record.processes[pid] ?? leaderHad
            guard let now = ProcessPriority.of(pid), now == had.lowered else { continue }
            had.apply(to: pid)
        }
        if let session = record.session, ProcessPriority.sessionNice(of: job.leader) == max(session, ProcessPriority.yielding.nice) {
            ProcessPriority.setSessionNice(session, of: job.leader)
        }
    }
}

/// What each yielding job had before it yielded: touched only on `PatchYield`'s serial queue.
private final class SavedPriorities: @unchecked Sendable {
    struct Record {
        var processes: [Int32: ProcessPriority] = [:]
        var session: Int32?
    }

    private var records: [Int: Record] = [:]

    func take(_ token: Int) -> Record? { records.removeValue(forKey: token) }
    func keep(_ record: Record, for token: Int) { records[token] = record }
    func forget(_ token: Int) { records[token] = nil }
}
