import ArgumentParser
import Foundation
import PipelineEngine
import StageRunner

/// `cdsh engine-watch` (started by an engine, never by hand): reads `+PGID` and `-PGID` lines from the engine
/// (`JobGroupWatch`); at end of file — the engine is gone — stops every group still listed, TERM then KILL.
struct EngineWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine-watch",
        abstract: "Stop an engine's running jobs when the engine dies (started by the engine itself).",
        shouldDisplay: false)

    @Option(help: "Seconds between TERM and KILL.")
    var grace: Double = JobGroupWatch.defaultGrace

    @Option(help: "The engine's folder: whoever recovers its work waits for this watcher to finish.")
    var folder: String?

    mutating func run() async throws {
        signal(SIGINT, SIG_IGN)
        signal(SIGHUP, SIG_IGN)
        var running = Set<Int32>()
        while let line = readLine() {
            guard let group = Int32(line.dropFirst()), group > 1 else { continue }
            if line.hasPrefix("+") { running.insert(group) } else if line.hasPrefix("-") { running.remove(group) }
        }
        let grace = self.grace
        await withTaskGroup(of: Void.self) { stopping in
            for group in running {
                stopping.addTask { await ProcessGroup(id: group).stop(grace: grace) }
            }
        }
    }
}
