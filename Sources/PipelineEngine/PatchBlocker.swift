import Foundation
import StoreCore

/// The moment a security patch goes live in production, every version still on its way there that lacks the
/// patch is blocked (SPEC §3.10): it stops instead of running its pipeline, or waiting at the gate, for nothing.
struct PatchBlocker: Sendable {
    let store: any EngineStore
    let sources: any SourceLocating

    /// How many versions on their way to production are checked (newest first); older ones meet the guard at deploy.
    static let checkedVersions = 500

    /// Blocks the versions bound for `environment` that lack a patch live there; returns their ids.
    func blockVersionsLacking(patchLiveIn environment: String, now: Double) async -> [Int64] {
        let guardian = RegressionGuard(store: store, sources: sources)
        guard let candidates = try? await store.versionsBound(for: environment, limit: Self.checkedVersions) else { return [] }
        var blocked: [Int64] = []
        for version in candidates {
            if (try? await guardian.blockIfLacking(version, who: "engine", now: now)) != nil { blocked.append(version.id!) }
        }
        return blocked
    }
}
