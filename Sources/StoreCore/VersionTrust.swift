import Crypto
import Foundation
import PipelineModel

/// What a version's rows must match before anything of it runs: the audit chain records, when a version is
/// submitted, its commit, the commit's time, its priority and plan digest, and, when its commit stage passes, the digest of that
/// attempt's artifact list. A row edited in the database afterwards no longer matches its entry, and an entry
/// edited with the chain recomputed no longer matches the head this machine witnessed (`AuditWitness`).
public enum VersionTrust {
    static let artifactsKey = "artifacts"

    /// The submit entry's detail: what the caller gave, with the facts later checks compare.
    static func submitDetail(_ detail: [String: String], of version: VersionRecord) -> [String: String] {
        var facts = ["commit": version.commitID, "priority": version.priority.rawValue, "plan": version.planDigest]
        facts[committedKey] = committedText(version.committedAt)
        return detail.merging(facts) { $1 }
    }

    /// The submit entry's key for the commit's committer time, which lead times are measured from.
    static let committedKey = "committed"

    /// A committer time as the submit entry records it: seconds since 1970 as stored, empty when unknown (so
    /// one filled in later differs too).
    static func committedText(_ time: Double?) -> String {
        time.map { String($0) } ?? ""
    }

    /// The digest a frozen plan is recorded with: SHA-256 of its JSON text.
    public static func digest(ofPlan planJSON: String) -> String {
        Hex.string(SHA256.hash(data: Data(planJSON.utf8)))
    }

    /// One digest of an artifact list: each artifact's path, size and sha256, in path order.
    public static func digest(ofArtifacts artifacts: [ArtifactRecord]) -> String {
        let lines = artifacts.sorted { $0.path < $1.path }.map { "\($0.path)\u{1F}\($0.size)\u{1F}\($0.sha256)\n" }
        return Hex.string(SHA256.hash(data: Data(lines.joined().utf8)))
    }

    /// Why `version` (its row, its decisions and, when given, the artifact list its later stages receive) cannot
    /// be trusted, or nil. `entries` is the chain from the version's first entry (or the witnessed one, when
    /// older) to the newest, oldest first; `commitStage` names the plan's first stage.
    public static func problem(
        version: VersionRecord, artifacts: [ArtifactRecord]?, decisions: [DecisionRecord], commitStage: String,
        entries: [AuditEntry], witnessed: AuditHead?, key: AuditKey?, attempts: [AttemptRecord]
    ) -> String? {
        if let problem = AuditLog.problem(in: entries, fromGenesis: false, witnessed: witnessed, key: key) {
            return "the audit log was altered: \(problem)"
        }
        return recordProblem(version: version, artifacts: artifacts, decisions: decisions, commitStage: commitStage,
                             versionEntries: entries.filter { $0.versionID == version.id }, attempts: attempts)
    }

    /// Why `version`'s rows differ from its own audit entries (`versionEntries`, oldest first), or nil; the chain
    /// itself is checked by the caller.
    public static func recordProblem(
        version: VersionRecord, artifacts: [ArtifactRecord]?, decisions: [DecisionRecord], commitStage: String,
        versionEntries: [AuditEntry], attempts: [AttemptRecord]
    ) -> String? {
        let name = "v\(version.id ?? 0)"
        guard let submitted = versionEntries.first else {
            return "\(name) has no entry in the audit log: it was not made by submit or patch"
        }
        let recorded = submitted.details
        if digest(ofPlan: version.planJSON) != version.planDigest
            || recorded["plan"].map({ $0 != version.planDigest }) == true {
            return "\(name)'s frozen plan differs from the one recorded when it was submitted (audit entry #\(submitted.id ?? 0))"
        }
        if recorded["commit"].map({ $0 != version.commitID }) == true
            || recorded["priority"].map({ $0 != version.priority.rawValue }) == true {
            return "\(name)'s commit or priority differs from what was recorded when it was submitted "
                + "(audit entry #\(submitted.id ?? 0))"
        }
        // Recorded since lead times are measured from it; versions submitted before that have no such key.
        if let committed = recorded[committedKey], committed != committedText(version.committedAt) {
            return "\(name)'s commit time differs from what was recorded when it was submitted "
                + "(audit entry #\(submitted.id ?? 0)): lead times would be measured from a false time"
        }
        if let ungated = ungatedAttempt(attempts, decisions: decisions, plan: try? version.plan()) {
            return "\(name)'s \(ungated.stage) stage went past its gate without the approval it needs "
                + "(\(ungated.given) of \(ungated.required)): its attempt was changed in the database"
        }
        if let attempt = unrecordedAttempt(attempts, decisions: decisions, entries: versionEntries) {
            return attempt.isDeployOnly
                ? "\(name)'s rollback to \(attempt.environment ?? "?") was asked for by no one: its attempt was added in the database"
                : "\(name)'s \(attempt.stage) stage (attempt \(attempt.number)) passed without its pass in the audit log: "
                    + "its attempt was changed in the database"
        }
        if let forged = forgedDecision(decisions, entries: versionEntries) {
            return "\(name)'s \(forged.kind) by \(forged.who) has no entry in the audit log: the decision was added or "
                + "changed in the database"
        }
        guard let artifacts else { return nil }
        guard let passed = versionEntries.last(where: {
            $0.action == "stage-passed" && $0.details["stage"] == commitStage
        }) else {
            return "\(name)'s \(commitStage) stage has no pass in the audit log, so its artifacts are not the ones it made"
        }
        if let expected = passed.details[artifactsKey], expected != digest(ofArtifacts: artifacts) {
            return "\(name)'s artifact list differs from the one its \(commitStage) stage recorded in the audit log "
                + "(entry #\(passed.id ?? 0)): an artifact row was added, removed or changed"
        }
        return nil
    }
}

extension VersionTrust {
    /// The first attempt of a manual gate that left it — queued, ran or ended as only a running attempt does —
    /// with fewer approvals than the gate needs; each approval takes an attempt there, so none can.
    static func ungatedAttempt(
        _ attempts: [AttemptRecord], decisions: [DecisionRecord], plan: PipelinePlan?
    ) -> (stage: String, given: Int, required: Int)? {
        let opened: Set<RunState> = [.queued, .running, .passed, .failed, .errored, .interrupted]
        for attempt in attempts where opened.contains(attempt.state) {
            guard let gate = plan?.stages[safe: attempt.stageIndex], gate.approval == .manual else { continue }
            let given = Set(decisions.filter { $0.attemptID == attempt.id && $0.kind == "approve" }.map(\.who)).count
            if given < gate.approvers ?? 1 { return (gate.name, given, gate.approvers ?? 1) }
        }
        return nil
    }

    /// The first attempt the chain cannot account for: a passed stage without its `stage-passed` entry, or a
    /// rollback that left the queue without a person's `rollback` decision.
    static func unrecordedAttempt(
        _ attempts: [AttemptRecord], decisions: [DecisionRecord], entries: [AuditEntry]
    ) -> AttemptRecord? {
        let opened: Set<RunState> = [.queued, .running, .passed, .failed, .errored, .interrupted]
        for attempt in attempts {
            if attempt.isDeployOnly {
                let asked = decisions.contains { $0.attemptID == attempt.id && $0.kind.hasPrefix("rollback") }
                if opened.contains(attempt.state) && !asked { return attempt }
            } else if attempt.state == .passed, !entries.contains(where: {
                $0.action == "stage-passed" && $0.details["stage"] == attempt.stage && $0.details["attempt"] == String(attempt.number)
            }) {
                return attempt
            }
        }
        return nil
    }

    /// The first decision no audit entry records (same person, time, reason and kind; each entry counted once).
    static func forgedDecision(_ decisions: [DecisionRecord], entries: [AuditEntry]) -> DecisionRecord? {
        var unused = entries.filter { ["approve", "reject", "rollback"].contains($0.action) }
        for decision in decisions {
            let action = decision.kind.hasPrefix("rollback") ? "rollback" : decision.kind
            let overrides = decision.kind != action
            guard let index = unused.firstIndex(where: { entry in
                let detail = entry.details
                return entry.action == action && entry.who == decision.who && abs(entry.at - decision.at) < 0.001
                    && detail["reason"] == decision.reason && (detail["override"] != nil) == overrides
            }) else { return decision }
            unused.remove(at: index)
        }
        return nil
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension AuditEntry {
    var head: AuditHead { AuditHead(id: id ?? 0, hash: hash) }

    /// The detail object's values; empty when it is not a JSON object of strings.
    public var details: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(detail.utf8))) ?? [:]
    }
}
