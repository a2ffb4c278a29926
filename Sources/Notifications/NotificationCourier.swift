import Foundation
import PipelineModel
import StageRunner
import StoreCore

/// Delivers what the store's outbox holds, in the engine: claims due notifications (one engine per delivery, in
/// order per version and target), posts or runs each, and records the outcome. A failing endpoint only delays
/// its own notifications: it never blocks or fails the pipeline.
public final class NotificationCourier: Sendable {
    private let store: any NotificationOutbox
    private let engine: String
    private let folder: String
    private let environment: [String: String]
    private let launcher: any CommandLaunching
    private let logTail: @Sendable (NotificationRecord) async -> [String]
    private let secretNames: @Sendable (NotificationRecord) async -> Set<String>
    private let log: @Sendable (String) -> Void
    private let now: @Sendable () async -> Double

    /// A courier for `engine` (its name on a team's store) that keeps command logs in `folder`, reads webhook
    /// URLs and signing keys named `$NAME` from `environment`, gets a failed job's last log lines from `logTail`
    /// and the names of the variables a command must not see from `secretNames`; `now` is the store's clock.
    public init(store: any NotificationOutbox, engine: String, folder: String, environment: [String: String],
                launcher: any CommandLaunching = CommandRunner(),
                now: @escaping @Sendable () async -> Double = { Date().timeIntervalSince1970 },
                logTail: @escaping @Sendable (NotificationRecord) async -> [String],
                secretNames: @escaping @Sendable (NotificationRecord) async -> Set<String>,
                log: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.engine = engine
        self.folder = folder
        self.environment = environment
        self.launcher = launcher
        self.now = now
        self.logTail = logTail
        self.secretNames = secretNames
        self.log = log
    }

    /// Delivers until cancelled, looking for due notifications every `tick`.
    public func run(tick: Duration = .milliseconds(250)) async {
        try? await store.releaseNotificationClaims(engine: engine)
        while !Task.isCancelled {
            let delivered = await deliverDue()
            if delivered == 0 { try? await Task.sleep(for: tick) }
        }
    }

    /// One pass: claims what is due and delivers it; returns how many it tried.
    @discardableResult
    public func deliverDue() async -> Int {
        let claimed: [NotificationRecord]
        let now = await self.now()
        do {
            claimed = try await store.claimDueNotifications(engine: engine, now: now, until: now + 120, limit: 8)
        } catch {
            log("notifications: cannot read the outbox: \(ErrorText.describe(error))")
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for record in claimed {
                group.addTask {
                    CrashPoint.beforeDelivery.reach()
                    let problem = await self.deliver(record)
                    do {
                        try await self.store.recordDelivery(record.id, engine: self.engine, error: problem, now: await self.now())
                    } catch {
                        self.log("notifications: cannot record delivery \(record.id): \(ErrorText.describe(error))")
                    }
                    self.log("notification \(record.id) \(record.event.rawValue) to \(record.target.shownDescription): "
                             + (problem.map { "failed (\($0))" } ?? "delivered"))
                }
            }
        }
        return claimed.count
    }

    /// Delivers one notification; nil when it was taken, else why not.
    func deliver(_ record: NotificationRecord) async -> String? {
        let body = await self.body(of: record)
        if let webhook = record.target.webhook {
            guard let url = resolve(webhook) else {
                return "the engine's environment has no \(webhook.dropFirst()); export it where the engine starts"
            }
            var key: String?
            if let secret = record.target.secret {
                guard let value = environment[secret], !value.isEmpty else {
                    return "the engine's environment has no \(secret) to sign with; export it where the engine starts"
                }
                key = value
            }
            return await WebhookPost.send(body, to: url, shownAs: record.target.shownDescription, event: record.event.rawValue,
                                          delivery: record.id, key: key)
        }
        // The command sees no secret: neither the pipeline's nor any `notify` signing key or webhook variable.
        let withheld = await secretNames(record)
        let masked = withheld.compactMap { environment[$0] }.filter { !$0.isEmpty }
        return await NotificationCommand.run(record.target.run ?? "", event: body, record: record, folder: folder,
                                             launcher: launcher, withholding: withheld, masking: masked)
    }

    private func resolve(_ webhook: String) -> String? {
        guard webhook.hasPrefix("$") else { return webhook }
        return environment[String(webhook.dropFirst())].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The event as delivered: its recorded fields, the delivery's id and, for a failed job, its log's last lines.
    func body(of record: NotificationRecord) async -> Data {
        var object = (try? JSONSerialization.jsonObject(with: Data(record.payload.utf8))) as? [String: Any] ?? [:]
        object["delivery"] = record.id
        if record.event == .failed {
            let tail = await logTail(record)
            if !tail.isEmpty {
                object["log_tail"] = tail
                object["text"] = ((object["text"] as? String) ?? "") + "\n```\n" + tail.joined(separator: "\n") + "\n```"
            }
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(record.payload.utf8)
    }
}
