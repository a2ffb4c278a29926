import Foundation
import StoreCore

/// The moment a security patch goes live in production, every version still on its way there that lacks the
/// patch is blocked (SPEC §3.10): it stops instead of running its pipeline, or waiting at the gate, for nothing.
struct PatchBlocker: Sendable {
    let store: any EngineStore
    let sources: any SourceLocating
    /// Writes a line to the engine's log.
    let log: @Sendable (String) -> Void

    /// How many versions on their way to production are checked (newest first); older ones meet the guard at deploy.
    static let checkedVersions = 500

    /// Blocks the versions bound for `environment` that lack a patch live there (including those superseded at its
    /// gate `since` the patch's deploy began); returns their ids. A commit found to contain the patch is not
    /// checked again.
    @discardableResult
    func blockVersionsLacking(patchLiveIn environment: String, since: Double, now: Double) async -> [Int64] {
        let guardian = RegressionGuard(store: store, sources: sources)
        let candidates: [VersionRecord]
        do {
            candidates = try await store.versionsBound(for: environment, supersededSince: since, limit: Self.checkedVersions)
        } catch {
            log("could not list the versions a security patch live in \(environment) may block: \(error)")
            return []
        }
        var containing = Set<String>()
        var blocked: [Int64] = []
        for version in candidates where !containing.contains(version.commitID) {
            do {
                if try await guardian.blockIfLacking(version, who: "engine", now: now) != nil {
                    blocked.append(version.id!)
                } else {
                    containing.insert(version.commitID)
                }
            } catch {
                log("could not check \(version.name) against the security patch live in \(environment): \(error)")
            }
        }
        if !blocked.isEmpty {
            log("blocked \(blocked.sorted().map { "v\($0)" }.joined(separator: ", ")): they lack the security patch live in \(environment)")
        }
        return blocked
    }
}
