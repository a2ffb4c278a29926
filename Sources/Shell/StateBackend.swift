import Foundation
import StageRunner
import StoreCore

/// Where a session's state lives and what differs between the places it can live, for a shell: the store, its
/// artifacts, how engines are woken, where they fetch sources from. Chosen once per session
/// (`SessionContext.backend`, from `--state` / `$CDSH_STATE`): `EmbeddedBackend` or `TeamBackend`.
public protocol StateBackend: Sendable {
    /// The store, opened once.
    func store() async throws -> any StateStore
    /// Where artifacts are kept.
    func blobs() async throws -> any BlobStore
    /// Tells the engines that a command recorded new work (starting the embedded one when none runs).
    func wakeEngine() async throws
    /// While a command waits: makes sure an engine will move pending work on (a team's engines run on their own).
    func keepEngineAlive() async throws
    /// Before a command reports: work an engine that died left `running` is settled `interrupted` (the
    /// embedded store's one engine; a team's engines settle each other's after their grace period).
    func settleDeadEngine() async
    /// Why no engine can move work on now, as the last settling found it ("engine stopped: disk full in …"); a
    /// command that ran says it after its output and exits 3.
    var engineStopped: String? { get }
    /// When the disk is full and no engine is alive, gives back the room an engine keeps for recording its own stop
    /// (`space.reserve`) — so `gc`, the command that frees space, can open the store and record itself. False when
    /// there is none to give.
    func releaseRecordingReserve() -> Bool
    /// The source engines fetch a version's commit from, for a version submitted from `repository`.
    func source(of repository: GitRepository) async throws -> String
    /// The names of the variables set where the engine runs — the running engine's, else this process's (an
    /// engine it starts inherits them) — to tell a declared secret it lacks; nil when it cannot be told (a team's
    /// engines run on other machines).
    func engineVariables() async -> (names: Set<String>, running: Bool)?
    /// How often a waiting command looks at the store.
    var pollInterval: Duration { get }
}
