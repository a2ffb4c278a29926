import ArgumentParser
import Dispatch
import Foundation
import PipelineEngine
import PipelineStore
import PipelineStorePostgres
import Synchronization

/// `cdsh engine DIR` (started on demand for a state folder, exits when idle) or
/// `cdsh engine --state postgres://… --name NAME` (one of a team's engines, runs until stopped).
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Run the pipeline engine: for a state folder until it is idle, or as one of a team's engines.",
        discussion: """
            With a state folder the engine is started by the shell when work is pending and exits when idle.
            With a PostgreSQL store (--state postgres://USER@HOST:PORT/DB or $CDSH_STATE) it is one of several \
            engines, each on its own machine under its own --name; it runs until SIGTERM or SIGINT, then finishes \
            what it runs and stops.
            """)

    @Argument(help: "The state folder.")
    var folder: String?

    @Option(help: "A PostgreSQL URL or a state folder (default: $CDSH_STATE).")
    var state: String?

    @Option(help: "This engine's name among the team's engines (PostgreSQL only; required there).")
    var name: String?

    @Option(help: "This engine's own folder: logs, workspaces, source clones, artifact cache (PostgreSQL only; default ~/.cache/cdsh/engines/NAME).")
    var cache: String?

    @Option(help: "Seconds an engine may stay silent before another marks its running work interrupted (PostgreSQL only).")
    var grace: Double = 30

    @Option(help: "Seconds with nothing to do before the engine exits (state folder only).")
    var idle: Double = Double(ProcessInfo.processInfo.environment["CDSH_ENGINE_IDLE"] ?? "") ?? 3

    mutating func run() async throws {
        FileCreationMask.withholdWriteFromOthers()
        let target = folder ?? state ?? ProcessInfo.processInfo.environment["CDSH_STATE"]
        guard let target, !target.isEmpty else {
            throw ValidationError("name a state folder, or a PostgreSQL store with --state postgres://USER@HOST:PORT/DB")
        }
        if PostgresLocation.isURL(target) {
            try await runTeamEngine(PostgresLocation(url: target))
            return
        }
        guard name == nil, cache == nil else {
            throw ValidationError("--name and --cache are for a team's engine on a PostgreSQL store; \(target) is a state folder")
        }
        let layout = StateLayout(folder: target)
        guard let lock = EngineLock(path: layout.lockPath) else { return }
        let engine = Engine(store: try PipelineStore(folder: target), environment: .live())
        try engine.recover()
        await engine.run(idleSeconds: idle)
        await engine.drain()
        withExtendedLifetime(lock) {}
    }

    private func runTeamEngine(_ location: PostgresLocation) async throws {
        guard let name, !name.isEmpty,
              name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("a team's engine needs --name NAME (letters, digits, - _ .), unique among the team's engines")
        }
        guard grace >= 1 else { throw ValidationError("--grace must be at least 1 second") }
        let home = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        let folder = cache ?? "\(home)/cdsh/engines/\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let layout = StateLayout(folder: folder)
        guard let lock = EngineLock(path: layout.lockPath) else {
            throw ValidationError("another engine already runs with the folder \(folder); give each engine its own --cache")
        }
        let store = try await PostgresStore.open(location, engine: name)
        defer { store.close() }
        let environment = EngineEnvironment.live()
        let host = environment.host, pid = Int(getpid()), grace = self.grace
        try await store.claimName(host: host, pid: pid, grace: grace, now: environment.now())
        for task in try await store.recoverOwnWork(now: environment.now()) {
            if let pid = task.pid, pid > 1 { kill(-Int32(pid), SIGKILL) }
        }
        let engine = Engine(store: store, layout: layout, blobs: PostgresBlobStore(store: store, cacheFolder: folder),
                            sources: SourceMirrors(folder: "\(folder)/sources"), environment: environment)
        let stop = StopSignals()
        await engine.runShared(
            tick: .milliseconds(250), beatEvery: .seconds(max(0.25, grace / 4)), stopping: { stop.received },
            listen: { wake in await store.listenForWork(wake) },
            beat: {
                try await store.heartbeat(host: host, pid: pid, now: environment.now())
                _ = try await store.recoverDeadEngines(grace: grace, now: environment.now())
            })
        try? await store.leave()
        withExtendedLifetime((lock, stop)) {}
    }
}

/// SIGTERM and SIGINT ask a team's engine to stop taking work; a second one stops it at once.
private final class StopSignals: @unchecked Sendable {  // `sources` is written once in init, then only kept alive
    private let flag = Mutex(false)
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                let again = flag.withLock { stopping in
                    defer { stopping = true }
                    return stopping
                }
                if again { _exit(128 + number) }  // its running jobs become `interrupted` when it starts again
                FileHandle.standardError.write(Data(
                    "cdsh engine: stopping once the running jobs finish; signal again to stop at once\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }

    var received: Bool { flag.withLock { $0 } }
}
