import Foundation
import PipelineConfig
import PipelineModel
import StageRunner
import StoreCore

/// Turns commits on followed branches into versions, each (branch, commit) once, whoever saw it first: what git
/// hooks (`hooks run`), `poll` and the engine's polling share.
struct TriggerIntake {
    let context: SessionContext

    /// What became of one commit a trigger brought in (commits seen before are left out).
    struct Outcome: Sendable {
        var branch: String
        var commit: String
        var via: Trigger.Via
        /// The version made of it; nil when none could be (`refusal` says why).
        var version: VersionRecord?
        var refusal: String?

        /// `v7 main a1b2c3d4e5f6 (hook)` or `main a1b2c3d4e5f6 made no version: …`.
        var line: String {
            if let version { return "\(version.name) \(branch) \(commit.prefix(12)) (\(via.rawValue))" }
            return "\(branch) \(commit.prefix(12)) made no version (\(via.rawValue)): \(refusal ?? "")"
        }

        var json: JSONValue {
            .object([("branch", .string(branch)), ("commit", .string(commit)), ("via", .string(via.rawValue)),
                      ("version", version.map { .string($0.name) } ?? .null),
                      ("refusal", refusal.map { .string($0) } ?? .null)])
        }
    }

    /// One branch update: `old` (nil: whatever the trigger last saw there) to `new`.
    struct Update: Sendable, Equatable {
        var branch: String
        var old: String?
        var new: String
    }

    /// What a trigger follows and where, and who hears of a refused commit.
    struct Followed {
        var trigger: Trigger
        var source: String
        var notify: [NotifyTarget]
        var pipeline: String
    }

    /// `Followed` from the pipeline file as it is now, even when other parts of it are invalid (a commit that broke
    /// it is then refused with its errors); when the trigger itself cannot be read, the newest version's.
    func readFollowed() async throws -> Followed {
        let path = try context.pipelinePath()
        let result = PipelineLoader.load(contentsOf: path)
        if let trigger = result.trigger {
            return Followed(trigger: trigger, source: result.source ?? ".", notify: result.notify ?? [],
                            pipeline: result.pipelineName ?? "")
        }
        if result.plan != nil {
            throw ShellError.usage("\(path) declares no `trigger`",
                                   hint: "add `trigger: {branches: [main]}` to say which branches' commits become versions")
        }
        guard let latest = try? await context.stateStore().versions(limit: 1).first, let plan = try? latest.plan(),
              let trigger = plan.trigger else { throw PipelineFileError(diagnostics: result.diagnostics) }
        return Followed(trigger: trigger, source: plan.source, notify: plan.notify ?? [], pipeline: plan.name)
    }

    /// Fetches the trigger's remote (if any) and takes every followed branch whose tip moved since last seen.
    func poll(via: Trigger.Via) async throws -> [Outcome] {
        let followed = try await readFollowed()
        let trigger = followed.trigger
        let repository = try await SubmitCommand.sourceRepository(context, source: followed.source)
        if let remote = trigger.remote { try await repository.fetch(remote: remote) }
        let updates = try await repository.branchTips(remote: trigger.remote)
            .filter { trigger.follows($0.branch) }
            .map { Update(branch: $0.branch, old: nil, new: $0.commit) }
        return try await take(updates, followed, repository: repository, via: via)
    }

    /// Takes branch updates a hook reported (fetching the trigger's remote first, where the pushed commits are).
    func takeReported(_ updates: [Update], via: Trigger.Via) async throws -> [Outcome] {
        let followed = try await readFollowed()
        let updates = updates.filter { followed.trigger.follows($0.branch) }
        guard !updates.isEmpty else { return [] }
        let repository = try await SubmitCommand.sourceRepository(context, source: followed.source)
        if let remote = followed.trigger.remote { try await repository.fetch(remote: remote) }
        return try await take(updates, followed, repository: repository, via: via)
    }

    private func take(_ updates: [Update], _ followed: Followed, repository: GitRepository, via: Trigger.Via)
        async throws -> [Outcome] {
        let trigger = followed.trigger
        let store = try await context.stateStore()
        var outcomes: [Outcome] = []
        for update in updates {
            let last = try await store.lastTriggered(branch: update.branch)
            if last?.commitID == update.new { continue }
            // Not there yet (the remote lags behind the repository pushed to) is not a refusal: the update waits and
            // is tried again.
            guard try await repository.hasCommit(update.new) else {
                let place = trigger.remote.map { "after fetching \($0)" } ?? "in \(repository.path)"
                throw ShellError("commit \(update.new.prefix(12)) on \(update.branch) is not in the source repository \(place)",
                                 hint: trigger.remote == nil ? "a pushed-to repository's hook needs `trigger.remote` naming it"
                                    : "is `\(trigger.remote!)` the repository the hook is in?")
            }
            // `each` walks from a commit known on this branch; a new branch, a first look or a rewritten history
            // makes a version of the tip alone, never of the whole history.
            let base = update.old ?? last?.commitID
            let commits = if trigger.each, let base, try await repository.contains(base, in: update.new) {
                try await repository.firstParentCommits(after: base, upTo: update.new, limit: Trigger.eachLimit)
            } else {
                [update.new]
            }
            for commit in commits {
                outcomes += try await make(commit, on: update.branch, via: via, followed, store: store)
            }
        }
        return outcomes
    }

    private func make(_ commit: String, on branch: String, via: Trigger.Via, _ followed: Followed, store: any StateStore)
        async throws -> [Outcome] {
        do {
            guard let version = try await SubmitCommand.makeVersion(
                revision: commit, priority: .normal, note: nil, context: context, action: "submit",
                trigger: (branch, via), source: followed.source)
            else { return [] }
            return [Outcome(branch: branch, commit: commit, via: via, version: version)]
        } catch let error as PipelineFileError {
            let errors = error.diagnostics.filter { $0.severity == .error }
            let reason = errors.prefix(3).map(\.description).joined(separator: "; ")
                + (errors.count > 3 ? "; and \(errors.count - 3) more" : "")
            return try await refuse(commit, on: branch, via: via, reason: reason, followed, store: store)
        } catch let error as CommitWithoutPipelineFile {
            return try await refuse(commit, on: branch, via: via, reason: error.description, followed, store: store)
        }
    }

    private func refuse(_ commit: String, on branch: String, via: Trigger.Via, reason: String, _ followed: Followed,
                        store: any StateStore) async throws -> [Outcome] {
        let record = TriggerRecord(branch: branch, commitID: commit, versionID: nil, via: via.rawValue, reason: reason,
                                   at: context.now())
        guard try await store.recordRefusedTrigger(record, notify: followed.notify, pipeline: followed.pipeline) else { return [] }
        return [Outcome(branch: branch, commit: commit, via: via, refusal: reason)]
    }
}
