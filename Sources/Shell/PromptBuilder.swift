import PipelineModel
import StoreCore

/// The interactive prompt: pipeline name, running / held / stopped / awaiting-approval counts, security patches in
/// flight.
public enum PromptBuilder {
    /// `shop ▶2 ⏸1 ✗1 ?1 ⚑v9?production › ` (UTF-8) or `shop run:2 held:1 stop:1 approve:1 PATCH:v9?production> `
    /// (ASCII). `held` counts versions the scheduler holds back for an environment another version holds or for a
    /// security patch (`queue` says which). Colour escapes are wrapped in `\u{1}` for libedit.
    /// `engineStopped` adds `engine-stopped` in red: no engine can move work on (a full disk; every command says why).
    /// `unplaced` adds `no-engine:production` in red for each label set work waits for that no engine of the team
    /// holds (`runs-on:`; `queue` says which work).
    public static func prompt(pipeline: String, counts: PipelineCounts?, held: Int = 0, engineStopped: Bool = false,
                              unplaced: [String] = [], style: TextStyle) -> String {
        func paint(_ text: String, _ code: String) -> String {
            style.color ? "\u{1}\u{1B}[\(code)m\u{1}\(text)\u{1}\u{1B}[0m\u{1}" : text
        }
        var parts = [paint(pipeline, "1")]
        if let counts {
            if counts.running > 0 { parts.append(paint(style.unicode ? "▶\(counts.running)" : "run:\(counts.running)", "36")) }
            if held > 0 { parts.append(paint(style.unicode ? "⏸\(held)" : "held:\(held)", "35")) }
            if counts.stopped > 0 { parts.append(paint(style.unicode ? "✗\(counts.stopped)" : "stop:\(counts.stopped)", "31")) }
            if counts.awaitingApproval > 0 {
                parts.append(paint(style.unicode ? "?\(counts.awaitingApproval)" : "approve:\(counts.awaitingApproval)", "33"))
            }
            for patch in counts.patches {
                let waiting = patch.awaitingApprovalAt.map { "?\($0)" } ?? ""
                parts.append(paint(style.unicode ? "⚑v\(patch.versionID)\(waiting)" : "PATCH:v\(patch.versionID)\(waiting)", "1;31"))
            }
        } else {
            parts.append("(no state)")
        }
        if engineStopped { parts.append(paint("engine-stopped", "1;31")) }
        for labels in unplaced { parts.append(paint("no-engine:\(labels)", "1;31")) }
        return parts.joined(separator: " ") + (style.unicode ? " › " : "> ")
    }

    /// How many versions `waiting` holds back for something other than the engine itself: an environment another
    /// version holds, one kept for a security patch, a patch that must pass the stage first, labels no engine holds.
    public static func held(_ waiting: [WaitingWork]) -> Int {
        Set(waiting.filter { work in
            switch work.reason {
            case .environment, .keptForPatches, .patchFirst: true
            case .labels(_, let engines): engines.isEmpty
            case .engine, .task, .jobSlot: false
            }
        }.map(\.versionID)).count
    }

    /// The label sets (`production+eu`) work in `waiting` needs that no registered engine holds, in order.
    public static func unplaced(_ waiting: [WaitingWork]) -> [String] {
        var sets: [String] = []
        for work in waiting {
            if case let .labels(labels, engines) = work.reason, engines.isEmpty {
                let set = labels.joined(separator: "+")
                if !sets.contains(set) { sets.append(set) }
            }
        }
        return sets
    }
}
