import Foundation
import PipelineModel
import StoreCore
import Testing
import TestSupport

/// The outbox, on both stores: written with the event, claimed by one engine at a time, delivered in order per
/// version and target, retried with backoff, given up after ten tries and retried on request.
struct NotificationContractTests {
    static let hook = NotifyTarget(events: [.patch], webhook: "https://hooks.example.com/a")
    static let mail = NotifyTarget(events: [.patch], run: "mail ops")

    static func patch(_ commit: String, at time: Double) throws -> VersionRecord {
        var version = try VersionLedgerContractTests.version(commit, at: time)
        version.priority = .security
        version.note = "CVE-1"
        var plan = VersionLedgerContractTests.plan
        plan.notify = [hook, mail]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        version.planJSON = String(decoding: try encoder.encode(plan), as: UTF8.self)
        version.planDigest = VersionTrust.digest(ofPlan: version.planJSON)
        return version
    }

    @Test(arguments: StoreKind.allCases)
    func anEventIsWrittenWithItsVersionAndClaimedByOneEngineAtATime(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        guard let outbox = store as? any StateStore else { Issue.record("not a state store"); return }
        let first = try await store.submit(try Self.patch("aaaa0001", at: 1_000), auditAction: "patch", detail: [:])
        _ = try await store.submit(try Self.patch("aaaa0002", at: 1_001), auditAction: "patch", detail: [:])
        let written = try await outbox.notifications(limit: 10)
        #expect(written.count == 4, "one per event and target")
        #expect(written.allSatisfy { $0.event == .patch && $0.state == "pending" })
        let payload = try #require(written.last).payload
        #expect(payload.contains("\"text\":\"shop security patch v1 injected: CVE-1; it goes ahead of all normal work\""), "\(payload)")

        // Twelve engines claim at once: each notification goes to exactly one.
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for engine in 0..<12 {
                group.addTask {
                    try await outbox.claimDueNotifications(engine: "e\(engine)", now: 2_000, until: 2_060, limit: 8).map(\.id)
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(claims.sorted() == written.map(\.id).sorted(), "every notification claimed once: \(claims)")
        #expect(try await outbox.claimDueNotifications(engine: "late", now: 2_001, until: 2_061, limit: 8).isEmpty)
        #expect(try await outbox.claimDueNotifications(engine: "late", now: 2_061, until: 2_121, limit: 8).count == 4,
                "a claim that ran out is taken over")
        _ = first
    }

    @Test(arguments: StoreKind.allCases)
    func deliveriesKeepTheirOrderRetryWithBackoffAndGiveUpAfterTenTries(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        guard let outbox = store as? any StateStore else { Issue.record("not a state store"); return }
        // The same target twice: two notifications of one event, for one version and target, that must go in order.
        var version = try Self.patch("bbbb0001", at: 1_000)
        var plan = try version.plan()
        plan.notify = [Self.hook, Self.hook]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        version.planJSON = String(decoding: try encoder.encode(plan), as: UTF8.self)
        version.planDigest = VersionTrust.digest(ofPlan: version.planJSON)
        _ = try await store.submit(version, auditAction: "patch", detail: [:])
        _ = try await store.submit(version, auditAction: "patch", detail: [:])

        var claimed = try await outbox.claimDueNotifications(engine: "e", now: 2_000, until: 2_100, limit: 8)
        #expect(claimed.map(\.id) == [1, 3], "each version's first; its second waits behind it")
        try await outbox.recordDelivery(1, engine: "e", error: "HTTP 500", now: 2_000)
        try await outbox.recordDelivery(3, engine: "e", error: nil, now: 2_000)
        claimed = try await outbox.claimDueNotifications(engine: "e", now: 2_000.5, until: 2_100, limit: 8)
        #expect(claimed.map(\.id) == [4], "v2's second goes; v1's failed first waits a second and holds its second back")
        try await outbox.recordDelivery(4, engine: "e", error: nil, now: 2_000.5)
        var now = 2_001.0
        for attempt in 2...NotificationRecord.maxAttempts {
            claimed = try await outbox.claimDueNotifications(engine: "e", now: now, until: now + 100, limit: 8)
            #expect(claimed.map(\.id) == [1], "attempt \(attempt)")
            try await outbox.recordDelivery(1, engine: "e", error: "HTTP 503", now: now)
            now += NotificationRecord.backoff(afterAttempts: attempt)
        }
        let failed = try #require(try await outbox.notifications(limit: 10).first { $0.id == 1 })
        #expect(failed.state == "failed" && failed.attempts == 10 && failed.lastError == "HTTP 503")
        #expect(NotificationRecord.backoff(afterAttempts: 1) == 1 && NotificationRecord.backoff(afterAttempts: 4) == 8
                && NotificationRecord.backoff(afterAttempts: 10) == 300)
        claimed = try await outbox.claimDueNotifications(engine: "e", now: now, until: now + 100, limit: 8)
        #expect(claimed.map(\.id) == [2], "once the first is given up, the next of v1 goes")
        try await outbox.recordDelivery(claimed[0].id, engine: "e", error: nil, now: now)

        #expect(try await outbox.retryNotification(1, now: now))
        #expect(try await !outbox.retryNotification(99, now: now))
        #expect(try await outbox.claimDueNotifications(engine: "e", now: now, until: now + 100, limit: 8).map(\.id) == [1])
    }
}
