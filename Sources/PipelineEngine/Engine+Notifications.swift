import Foundation
import Notifications
import StoreCore

extension Engine where Store: StateStore {
    /// Delivers the store's notifications in the background until the task is cancelled; `name` is this engine's
    /// among a team's (the embedded store's one engine is `engine`).
    public func deliverNotifications(as name: String, environment: [String: String]) -> Task<Void, Never> {
        let courier = courier(as: name, environment: environment)
        return Task { await courier.run() }
    }

    /// Records that this engine stops and why (`engine-stopped`), and delivers what it can within `seconds`
    /// before it exits: a halted engine is what people most need to hear about. It delivers under a name of its
    /// own, so an engine started meanwhile neither takes nor lets go of what it is sending.
    public func announceStop(_ reason: String, environment: [String: String], seconds: Double = 20) async {
        try? await store.recordEngineStopped(reason: reason, now: self.environment.now())
        let courier = courier(as: "engine-\(getpid())-stopping", environment: environment)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await courier.deliverDue() > 0 { continue }
            guard (try? await store.notifications(limit: 50))?.contains(where: { $0.state == "pending" }) == true else { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    private func courier(as name: String, environment: [String: String]) -> NotificationCourier {
        let store = self.store
        let clock = self.environment.now
        return NotificationCourier(
            store: store, engine: name, folder: layout.folder, environment: environment,
            // A team's engines share the server's clock, as their heartbeats do: claims and retries mean the same on each.
            now: { (try? await (store as? any TeamStore)?.serverNow()) ?? clock() },
            logTail: { record in await Self.lastLines(of: record, in: store) },
            secretNames: { [credentials = self.environment.storeCredentials.variables] record in
                await Self.secretNames(for: record, in: store).union(credentials)
            },
            log: { [weak self] line in self?.log(line) })
    }

    /// What a notification command must not see: the version's declared secrets and every variable its `notify`
    /// targets name (signing keys, webhook URLs); for an event of no version, the newest version's.
    static func secretNames(for record: NotificationRecord, in store: Store) async -> Set<String> {
        let version: VersionRecord? = if let id = record.versionID {
            try? await store.version(id)
        } else {
            try? await store.versions(limit: 1).first
        }
        var names = Set(record.target.variableNames)
        if let plan = try? version?.plan() {
            names.formUnion(plan.declaredSecrets)
            names.formUnion((plan.notify ?? []).flatMap(\.variableNames))
        }
        return names
    }

    /// The last lines of the log of the job a `failed` notification names.
    static func lastLines(of record: NotificationRecord, in store: Store, count: Int = 20) async -> [String] {
        guard let versionID = record.versionID,
              let fields = try? JSONSerialization.jsonObject(with: Data(record.payload.utf8)) as? [String: Any],
              let taskID = (fields["task_id"] as? String).flatMap(Int64.init) else { return [] }
        guard let task = try? await store.details(of: [versionID], artifacts: false)[versionID]?.tasks.first(where: { $0.id == taskID }),
              let data = try? await store.logContents(of: task, lastBytes: 65_536) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(count).map(String.init)
    }
}
