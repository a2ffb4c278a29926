import Foundation
import PipelineModel

/// One event for one `notify` target, written in the transaction that made the event happen (the outbox) and
/// delivered at least once, in order per version and target, by one engine at a time.
public struct NotificationRecord: Sendable, Equatable {
    public var id: Int64
    public var versionID: Int64?
    public var event: NotificationEvent
    /// The event's fields (`NotificationPayload`), as JSON.
    public var payload: String
    public var target: NotifyTarget
    public var createdAt: Double
    /// `pending`, `delivered` or `failed` (given up after `maxAttempts`; `notifications retry` starts again).
    public var state: String
    public var attempts: Int
    public var nextAt: Double
    public var lastError: String?
    public var deliveredAt: Double?

    /// Tries before a delivery is given up; the waits between them double from one second up to five minutes.
    public static let maxAttempts = 10

    /// Seconds to wait after the `attempts`-th failed try.
    public static func backoff(afterAttempts attempts: Int) -> Double {
        min(300, pow(2, Double(max(attempts, 1) - 1)))
    }

    static let columns = "id, version_id, event, payload, target, created_at, state, attempts, next_at, last_error, delivered_at"

    init(_ row: SQLRow) throws {
        id = try row.int64("id")
        versionID = try row.optionalInt64("version_id")
        guard let event = NotificationEvent(rawValue: try row.string("event")),
              let target = try? JSONDecoder().decode(NotifyTarget.self, from: Data(try row.string("target").utf8))
        else { throw StoreError.unavailable("notification \(id) in the state store cannot be read; was the database edited?") }
        self.event = event
        self.target = target
        payload = try row.string("payload")
        createdAt = try row.double("created_at")
        state = try row.string("state")
        attempts = try row.int("attempts")
        nextAt = try row.double("next_at")
        lastError = try row.optionalString("last_error")
        deliveredAt = try row.optionalDouble("delivered_at")
    }
}

/// The outbox, as every state store provides it.
public protocol NotificationOutbox: Sendable {
    /// Claims up to `limit` deliveries that are due, each the oldest undelivered one of its version and target, for
    /// `engine` until `until`; another engine's claim that has run out may be taken over.
    func claimDueNotifications(engine: String, now: Double, until: Double, limit: Int) async throws -> [NotificationRecord]
    /// Records a claimed delivery's outcome: delivered, or failed with `error` (tried again later, or given up
    /// after `NotificationRecord.maxAttempts`).
    func recordDelivery(_ id: Int64, engine: String, error: String?, now: Double) async throws
    /// Lets go of `engine`'s claims (an engine starting again under the same name).
    func releaseNotificationClaims(engine: String) async throws
    /// The newest notifications first.
    func notifications(limit: Int) async throws -> [NotificationRecord]
    /// Writes `engine-stopped` for the newest version's `notify` targets: the engine halts and says why.
    func recordEngineStopped(reason: String, now: Double) async throws
    /// Delivers a notification again (`notifications --retry ID`); false when there is no such notification or an
    /// engine is sending it right now.
    func retryNotification(_ id: Int64, now: Double) async throws -> Bool
}
