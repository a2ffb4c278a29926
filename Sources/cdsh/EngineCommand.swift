import ArgumentParser
import Dispatch
import Foundation
import StageRunner
import PipelineEngine
import PipelineModel
import StoreSQLite
import StorePostgres
import Shell
import Synchronization

/// `cdsh engine DIR` (started on demand for a state folder, exits when idle) or
/// `cdsh engine postgres://… --name NAME` (one of a team's engines, runs until stopped).
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Run the pipeline engine: for a state folder until it is idle, or as one of a team's engines.",
        discussion: """
            With a state folder the engine is started by the shell when work is pending and exits when idle.
            With a PostgreSQL store (postgres://USER@HOST:PORT/DB, or $CDSH_STATE) it is one of several \
            engines, each on its own machine under its own --name; it runs until SIGTERM or SIGINT, then finishes \
            what it runs and stops.
            """)

    @Argument(help: "The state folder, or a team's store: postgres://USER@HOST:PORT/DB (or --state; default: $CDSH_STATE).")
    var state: String?

    @OptionGroup var stateOption: StateOption

    @Option(help: "This engine's name among the team's engines (PostgreSQL only; required there).")
    var name: String?

    @Option(help: "Labels this engine holds, comma-separated (PostgreSQL only): it runs the work whose `runs-on:` it satisfies, such as --labels production,eu.")
    var labels: String?

    @Option(help: "This engine's own folder: logs, workspaces, source clones, artifact cache (PostgreSQL only; default ~/.cache/cdsh/engines/NAME).")
    var cache: String?

    @Option(help: "Seconds an engine may stay silent before another marks its running work interrupted (PostgreSQL only).")
    var grace: Double = 30

    @Option(help: "A pipeline file whose `trigger.poll` this engine follows: it fetches on that interval and, on a state folder, stays up while the file declares it.",
            completion: .file(extensions: ["yml", "yaml"]))
    var follow: String?

    @Option(help: "Seconds with nothing to do before the engine exits (state folder only).")
    var idle: Double = Double(ProcessInfo.processInfo.environment["CDSH_ENGINE_IDLE"] ?? "") ?? 3

    mutating func run() async throws {
        FileCreationMask.withholdWriteFromOthers()
        if state != nil, stateOption.state != nil, state != stateOption.state {
            throw usage("name the state once: either `cdsh engine STATE` or `cdsh engine --state STATE`")
        }
        let target = state ?? stateOption.state ?? ProcessInfo.processInfo.environment["CDSH_STATE"]
        guard let target, !target.isEmpty else {
            throw usage("name the state: `cdsh engine DIR`, or for a team `cdsh engine --state postgres://USER@HOST:PORT/DB "
                                  + "--name NAME` (or set $CDSH_STATE)")
        }
        if PostgresLocation.isURL(target) {
            let location: PostgresLocation
            do {
                location = try PostgresLocation(url: target)
            } catch {
                throw failure(error)
            }
            try await runTeamEngine(location)
            return
        }
        guard name == nil, cache == nil, labels == nil else {
            throw usage("--name, --labels and --cache are for a team's engine on a PostgreSQL store; "
                                  + "\(target) is a state folder, whose one engine runs everything")
        }
        let layout = StateLayout(folder: target)
        let variables = Array(ProcessInfo.processInfo.environment.filter { !$0.value.isEmpty }.keys)
        // A shell settling a dead engine's work holds the lock for a moment (the pid in the file is then the dead
        // engine's) — as long as the dead engine's watcher takes to stop its jobs: wait for it rather than leave work
        // pending. A live engine holding it runs the work: leave.
        var taken = EngineLock(path: layout.lockPath, variables: variables)
        let tries = Int((JobGroupWatch.longestStop + 5) * 20)
        for _ in 0..<tries where taken == nil && !EngineLock.holderIsAlive(path: layout.lockPath) {
            try? await Task.sleep(for: .milliseconds(50))
            taken = EngineLock(path: layout.lockPath, variables: variables)
        }
        guard taken != nil else { return }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(folder: target)
        } catch where EngineHalt.isDiskFull(error) {
            OutputWriter.append("disk full in \(target)\n", toFileAt: Engine<SQLiteStore>.stoppedPath(stateFolder: target))
            return
        }
        let engine = Engine(store: store, environment: .watched(folder: store.folder))
        let stopped = Engine<SQLiteStore>.stoppedPath(stateFolder: target)
        do {
            try await engine.recover()
        } catch where EngineHalt.isDiskFull(error) {
            OutputWriter.append("disk full in \(target)\n", toFileAt: stopped)
            return
        }
        guard engine.halt.makeReserve() else {
            // No room even for the reserve: nothing is started; shells say so until there is room.
            OutputWriter.append("disk full in \(target)\n", toFileAt: stopped)
            return
        }
        let follower = following(state: target, log: { engine.log($0) })
        let polling = follower.map { follower in Task { await follower.run() } }
        let delivering = engine.deliverNotifications(as: "engine", environment: ProcessInfo.processInfo.environment)
        await engine.run(idleSeconds: idle, following: { follower?.isActive ?? false })
        polling?.cancel()
        delivering.cancel()
        await engine.drain()
        if let reason = engine.halt.requested {
            await engine.settleWithoutLaunching()
            // Written in the room the reserve gave back; shells say it until there is room again.
            OutputWriter.append(reason + "\n", toFileAt: stopped)
            // Shells say the engine stopped once its lock is free; its last word may then take a while.
            taken = nil
            await engine.announceStop(reason + "; the pipeline waits: free space there, then any cdsh command starts the engine again",
                                      environment: ProcessInfo.processInfo.environment)
        }
        withExtendedLifetime(taken) {}
    }

    private func runTeamEngine(_ location: PostgresLocation) async throws {
        guard let name, !name.isEmpty,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw usage("a team's engine needs --name NAME (letters, digits, - _ .), unique among the team's engines")
        }
        guard grace >= 1 else { throw usage("--grace must be at least 1 second") }
        let declared = labels.map(Placement.labels(from:)) ?? (labels: [], problem: nil)
        if let problem = declared.problem { throw usage(problem) }
        let folder = cache ?? "\(CacheFolder.path(environment: ProcessInfo.processInfo.environment))/engines/\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let layout = StateLayout(folder: folder)
        guard let lock = EngineLock(path: layout.lockPath) else {
            throw usage("another engine already runs with the folder \(folder); give each engine its own --cache")
        }
        do {
            try await runTeamEngine(location, name: name, labels: declared.labels, folder: folder, layout: layout)
        } catch {
            throw failure(error)
        }
        withExtendedLifetime(lock) {}
    }

    private func runTeamEngine(
        _ location: PostgresLocation, name: String, labels: [String], folder: String, layout: StateLayout
    ) async throws {
        let store = try await PostgresStore.open(location, engine: name, labels: labels)
        defer { store.close() }
        var environment = EngineEnvironment.watched(folder: layout.folder)
        // Jobs run code from any commit: they get no way into the team's store, and its password never reaches a log.
        environment.storeCredentials = (["CDSH_STATE", "PGPASSWORD"], [location.password].compactMap { $0 })
        let engine = Engine(store: store, layout: layout, blobs: PostgresBlobStore(store: store, cacheFolder: folder),
                            sources: SourceMirrors(folder: "\(folder)/sources"), environment: environment)
        let stop = StopSignals()
        let follower = following(state: state ?? stateOption.state ?? ProcessInfo.processInfo.environment["CDSH_STATE"] ?? "",
                                 log: { engine.log($0) })
        let polling = follower.map { follower in Task { await follower.run() } }
        let delivering = engine.deliverNotifications(as: name, environment: ProcessInfo.processInfo.environment)
        defer {
            polling?.cancel()
            delivering.cancel()
        }
        try await engine.runAsTeamMember(grace: grace, stopping: { stop.request })
        withExtendedLifetime(stop) {}
    }

    /// `error` said as every cdsh command says it, with the exit status SPEC §4 gives it.
    private func failure(_ error: any Error) -> ArgumentParser.ExitCode {
        let presented = ErrorPresenter.present(error)
        OutputWriter.err("cdsh engine: error: \(presented.message)\(presented.hint.map { "; \($0)" } ?? "")\n")
        return ArgumentParser.ExitCode(presented.exitCode)
    }

    /// A usage error as every cdsh command gives it (SPEC §4: status 2), not ArgumentParser's 64 and the root's usage.
    private func usage(_ message: String) -> ArgumentParser.ExitCode {
        OutputWriter.err("cdsh engine: error: \(message)\n")
        return ArgumentParser.ExitCode(2)
    }

    /// The follower of `--follow`'s `trigger.poll`, if one was asked for.
    private func following(state: String, log: @escaping @Sendable (String) -> Void) -> TriggerFollower? {
        guard let follow else { return nil }
        let path = follow.hasPrefix("/") ? follow : FileManager.default.currentDirectoryPath + "/" + follow
        return TriggerFollower(pipeline: path, state: state, log: log)
    }
}

/// SIGTERM and SIGINT ask a team's engine to stop taking work; a second one stops its running jobs at once.
private final class StopSignals: @unchecked Sendable {  // `sources` is written once in init, then only kept alive
    private let count = Mutex(0)
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                let received = count.withLock { count in
                    count += 1
                    return count
                }
                OutputWriter.err(received == 1
                    ? "cdsh engine: stopping once the running jobs finish; signal again to stop them now\n"
                    : "cdsh engine: stopping the running jobs\n")
            }
            source.resume()
            sources.append(source)
        }
    }

    var request: StopRequest {
        switch count.withLock({ $0 }) {
        case 0: .none
        case 1: .finishRunning
        default: .now
        }
    }
}

extension EngineEnvironment {
    /// The live environment with a watcher that stops the jobs of the engine of `folder` should it die.
    static func watched(folder: String) -> EngineEnvironment {
        var environment = EngineEnvironment.live()
        environment.jobWatch = JobGroupWatch.start(folder: folder)
        return environment
    }
}
