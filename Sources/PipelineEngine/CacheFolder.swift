import Foundation

/// Where cdsh keeps what it can fetch again (a team engine's clones and artifacts, the shell's artifact cache).
public enum CacheFolder {
    /// `$XDG_CACHE_HOME/cdsh`, else `~/.cache/cdsh` — read the way `UserStateFolder` reads `$XDG_STATE_HOME`.
    public static func path(environment: [String: String]) -> String {
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        return "\(cache)/cdsh"
    }
}
