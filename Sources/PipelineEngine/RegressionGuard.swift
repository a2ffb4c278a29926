import StoreCore
import StageRunner

/// SPEC §3.6: once a security patch is live in production, no version whose commit lacks the patch commit is
/// deployed there — not by approval, not by rollback, not by an automatic stage.
public struct RegressionGuard: Sendable {
    /// Where live patches and deploys are read.
    public let store: any EngineStore
    /// Where a version's commit history is read.
    public let sources: any SourceLocating

    /// `sources` finds the repository whose history tells which commits a version contains.
    public init(store: any EngineStore, sources: any SourceLocating) {
        self.store = store
        self.sources = sources
    }

    /// What git says about a version and the patches live in an environment.
    public enum Finding: Sendable {
        /// It lacks this live patch; `reason` says so and what to do (merge the commit, submit again).
        case lacks(patch: VersionRecord, reason: String)
        /// A commit is missing from the repository, so git cannot tell.
        case unknown(reason: String)
    }

    /// Why `version` may not be deployed to `environment`, or nil when it may.
    public func refusal(deploying version: VersionRecord, to environment: String) async throws -> String? {
        switch try await finding(for: version, in: environment) {
        case .lacks(_, let reason)?, .unknown(let reason)?: reason
        case nil: nil
        }
    }

    /// The first live patch of `environment` (when it is the version's production) that `version` lacks, or why
    /// git cannot tell; nil when it contains every one.
    public func finding(for version: VersionRecord, in environment: String) async throws -> Finding? {
        guard environment == (try version.plan().productionEnvironment) else { return nil }
        let patches = try await store.livePatches(in: environment).filter { $0.id != version.id }
        guard !patches.isEmpty else { return nil }
        let repository = GitRepository(path: try await sources.repository(for: version))
        for patch in patches {
            if try await repository.contains(patch.commitID, in: version.commitID) { continue }
            for commit in [version.commitID, patch.commitID] where try await !repository.hasCommit(commit) {
                return .unknown(reason: "cannot tell whether \(version.name) contains security patch \(patch.name), which is "
                                + "live in \(environment): commit \(commit.prefix(12)) is not in \(repository.path); fetch it there and try again")
            }
            return .lacks(patch: patch, reason: "\(version.name) does not contain security patch \(patch.name) (commit "
                          + "\(patch.commitID.prefix(12))" + (patch.note.map { ", \($0)" } ?? "") + "), which is live in "
                          + "\(environment); deploying it would undo the fix. Merge \(patch.commitID.prefix(12)) into "
                          + "\(version.name)'s branch and submit again")
        }
        return nil
    }

    /// Blocks `version` when it lacks a patch live in its production environment; returns the reason when it did.
    @discardableResult
    public func blockIfLacking(_ version: VersionRecord, who: String, now: Double) async throws -> String? {
        guard let production = try version.plan().productionEnvironment,
              case .lacks(let patch, let reason)? = try await finding(for: version, in: production),
              try await store.block(versionID: version.id!, by: patch.id!, reason: reason, who: who, now: now)
        else { return nil }
        return reason
    }
}
