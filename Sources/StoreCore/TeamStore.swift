/// What a team's engine needs beyond `EngineStore`: the store's clock, its name among the team's engines,
/// heartbeats, taking over the work of engines that fell silent, and work announced by shells.
public protocol TeamStore: EngineStore {
    /// The store server's clock (seconds since 1970): every heartbeat and reaping decision uses it.
    func serverNow() async throws -> Double
    /// Takes this engine's name for this process; returns the host the name was last used on.
    func claimName(host: String, pid: Int, grace: Double, now: Double) async throws -> String?
    /// Interrupts what an earlier run under this engine's name left running; returns those tasks.
    func recoverOwnWork(now: Double) async throws -> [TaskRecord]
    /// Records this engine alive; false when another declared it dead in the meantime.
    func heartbeat(host: String, pid: Int, now: Double) async throws -> Bool
    /// Interrupts the work of engines silent for longer than `grace`.
    func recoverDeadEngines(grace: Double, now: Double) async throws -> (engines: [String], tasks: [TaskRecord])
    /// Interrupts tasks recorded running under this engine's name, started before `startedBefore`, that this
    /// process does not run (`running`); returns them.
    func recoverStrayWork(running: Set<Int64>, startedBefore: Double, now: Double) async throws -> [TaskRecord]
    /// The running tasks the scheduler wants stopped (for an engine that takes no more work).
    func requestedStops() async throws -> [Int64]
    /// Calls `wake` whenever a shell announces work, until the calling task is cancelled.
    func listenForWork(_ wake: @escaping @Sendable () -> Void) async
    /// Leaves the team's engine table.
    func leave() async throws
    /// The calls to the store begun more than `seconds` ago and not yet returned, each saying what it waits on.
    func callsInProgress(olderThan seconds: Double) -> [String]
}
