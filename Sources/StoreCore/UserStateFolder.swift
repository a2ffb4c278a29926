import Foundation

/// Where cdsh keeps what belongs to the user on this machine rather than to a pipeline: `$XDG_STATE_HOME/cdsh`,
/// else `$HOME/.local/state/cdsh` — the history file, a team store's audit witnesses.
public enum UserStateFolder {
    public static func path(environment: [String: String]) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/state")
        return "\(state)/cdsh"
    }
}
