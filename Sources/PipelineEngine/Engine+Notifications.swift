import Foundation
import Notifications
import StoreCore

extension Engine where Store: StateStore {
    /// Delivers the store's notifications in the background until the task is cancelled; `name` is this engine's
    /// among a team's (the embedded store's one engine is `engine`).
    public func deliverNotifications(as name: String, environment: [String: String]) -> Task<Void, Never> {
        let store = self.store
        let courier = NotificationCourier(
            store: store, engine: name, folder: layout.folder, environment: environment,
            logTail: { record in await Self.lastLines(of: record, in: store) },
            log: { [weak self] line in self?.log(line) })
        return Task { await courier.run() }
    }

    /// Records that this engine stops and why (`engine-stopped`), and delivers what it can within `seconds`
    /// before it exits: a halted engine is what people most need to hear about.
    public func announceStop(_ reason: String, as name: String, environment: [String: String], seconds: Double = 20) async {
        try? await store.recordEngineStopped(reason: reason, now: self.environment.now())
        let store = self.store
        let courier = NotificationCourier(
            store: store, engine: name, folder: layout.folder, environment: environment,
            logTail: { record in await Self.lastLines(of: record, in: store) }, log: { [weak self] line in self?.log(line) })
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await courier.deliverDue() > 0 { continue }
            guard (try? await store.notifications(limit: 50))?.contains(where: { $0.state == "pending" }) == true else { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// The last lines of the log of the job a `failed` notification names.
    static func lastLines(of record: NotificationRecord, in store: Store, count: Int = 20) async -> [String] {
        guard let versionID = record.versionID,
              let fields = try? JSONSerialization.jsonObject(with: Data(record.payload.utf8)) as? [String: Any],
              let taskID = (fields["task_id"] as? String).flatMap(Int64.init) else { return [] }
        var data: Data?
        if let stored = try? await store.storedLog(ofTask: taskID) {
            data = stored
        } else if let task = try? await store.details(of: [versionID], artifacts: false)[versionID]?.tasks.first(where: { $0.id == taskID }),
                  let path = task.logPath, let handle = FileHandle(forReadingAtPath: store.resolvedPath(path)) {
            defer { try? handle.close() }
            let size = (try? handle.seekToEnd()) ?? 0
            try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
            data = try? handle.readToEnd()
        }
        guard let data else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).filter { !$0.isEmpty }.suffix(count).map { $0 }
    }
}
