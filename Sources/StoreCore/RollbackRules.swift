extension DecisionRecord {
    /// A break-glass rollback: it deploys a version that lacks a security patch live there.
    public var overridesPatch: Bool { kind == RollbackRules.decisionKind(overridePatch: true) }
}

extension Sequence where Element == DecisionRecord {
    /// The request that asked for rollback attempt `attemptID`: who, why, and whether it overrode a patch.
    public func rollbackRequest(of attemptID: Int64?) -> DecisionRecord? {
        filter { $0.attemptID == attemptID && $0.kind.hasPrefix(RollbackRules.decisionKind(overridePatch: false)) }.last
    }
}

/// Which version `rollback ENV [VERSION]` deploys, the same in every store.
public enum RollbackRules {
    /// The decision a rollback records: `rollback`, or `rollback-override-patch` for the break-glass form.
    public static func decisionKind(overridePatch: Bool) -> String {
        overridePatch ? "rollback-override-patch" : "rollback"
    }

    /// Whether `latest`, an environment's newest deploy, ended without passing after `current`, the newest that
    /// passed there: the deploy may have changed the environment midway, so what runs there is not certain.
    public static func unsettles(_ latest: DeployRecord, after current: DeployRecord?) -> Bool {
        [.failed, .errored, .interrupted, .cancelled].contains(latest.result) && (current?.id ?? 0) < (latest.id ?? 0)
    }

    /// From the passed deploys of `environment`, newest first: `versionID` if it ran there (or was superseded on its
    /// way there: `supersededThere`, the deploy that supersession refers people to), else the version that ran
    /// there before the current one. Refused when there is none or it already runs there — unless a deploy since
    /// did not pass (`unsettled`): then the current one is what a rollback restores, by default too.
    public static func target(
        history: [DeployRecord], environment: String, versionID: Int64?, supersededThere: Bool = false,
        unsettled: Bool = false
    ) throws -> Int64 {
        guard let current = history.first else {
            throw StoreError.refused("nothing was ever deployed to \(environment); there is nothing to roll back to", hint: nil)
        }
        if unsettled, versionID == nil || versionID == current.versionID {
            return current.versionID
        }
        let target: Int64
        if let versionID {
            guard supersededThere || history.contains(where: { $0.versionID == versionID }) else {
                throw StoreError.refused("v\(versionID) never ran in \(environment); rollback only returns to a version that did",
                                         hint: "`env \(environment)` lists what ran there")
            }
            target = versionID
        } else {
            guard let previous = history.first(where: { $0.versionID != current.versionID }) else {
                throw StoreError.refused("only v\(current.versionID) ever ran in \(environment); there is no earlier version",
                                         hint: nil)
            }
            target = previous.versionID
        }
        if target == current.versionID {
            throw StoreError.refused("v\(target) already runs in \(environment)", hint: nil)
        }
        return target
    }
}
