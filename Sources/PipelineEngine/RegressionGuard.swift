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

    /// Why `version` may not be deployed to `environment`, or nil when it may.
    public func refusal(deploying version: VersionRecord, to environment: String) async throws -> String? {
        guard environment == (try version.plan().productionEnvironment) else { return nil }
        let patches = try await store.livePatches(in: environment).filter { $0.id != version.id }
        guard !patches.isEmpty else { return nil }
        let repository = GitRepository(path: try await sources.repository(for: version))
        for patch in patches {
            if try await repository.contains(patch.commitID, in: version.commitID) { continue }
            for commit in [version.commitID, patch.commitID] where try await !repository.hasCommit(commit) {
                return "cannot tell whether \(version.name) contains security patch \(patch.name), which is live in "
                    + "\(environment): commit \(commit.prefix(12)) is not in \(repository.path); fetch it there and try again"
            }
            return "\(version.name) does not contain security patch \(patch.name) (commit \(patch.commitID.prefix(12))"
                + (patch.note.map { ", \($0)" } ?? "") + "), which is live in \(environment); deploying it would undo the fix. "
                + "Merge \(patch.commitID.prefix(12)) into \(version.name)'s branch and submit again"
        }
        return nil
    }
}
