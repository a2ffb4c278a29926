import Foundation

/// `trigger:` in cdsh.yml: the branches whose new commits become versions with nobody typing `submit`, and how cdsh
/// hears of them — git hooks (`hooks install`), `poll`, and the engine fetching every `pollSeconds`.
public struct Trigger: Codable, Sendable, Equatable {
    /// Branch names or patterns (`release/*`; `*` also matches `/`), matched against the branch's short name.
    public var branches: [String]
    /// The remote whose branches are followed (fetched first); nil: the source repository's own branches.
    public var remote: String?
    /// Seconds between the engine's fetches; nil: only hooks and `poll` bring commits in.
    public var pollSeconds: Int?
    /// A version of every new commit instead of one of the newest a push or a fetch brought.
    public var each: Bool

    public init(branches: [String], remote: String? = nil, pollSeconds: Int? = nil, each: Bool = false) {
        self.branches = branches
        self.remote = remote
        self.pollSeconds = pollSeconds
        self.each = each
    }

    /// True when `branch` (a short name such as `main` or `release/1.2`) is one this trigger follows.
    public func follows(_ branch: String) -> Bool {
        branches.contains { pattern in fnmatch(pattern, branch, 0) == 0 }
    }

    /// The most commits one push or fetch turns into versions with `each`; older ones are left out, and said so.
    public static let eachLimit = 100

    /// How the version came to be, as `show` and the audit record it.
    public enum Via: String, Codable, Sendable {
        /// A git hook handed the commit over (`hooks install`).
        case hook
        /// A fetch found it (`poll`, or the engine on `trigger.poll`'s interval).
        case poll
    }
}
