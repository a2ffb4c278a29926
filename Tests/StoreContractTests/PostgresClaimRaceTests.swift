import Foundation
import PostgresNIO
import StoreCore
import StorePostgres
import Testing
import TestSupport

/// Claims on PostgreSQL under READ COMMITTED: a claim whose row another engine delivered while the claim waited for
/// the row's lock is no claim. (The server re-checks only the UPDATE's own conditions on the row's newest version,
/// not those of the subquery that chose it.) Seen as one webhook sent twice by two of three team engines.
struct PostgresClaimRaceTests {
    let logger = Logger(label: "claim-race")

    @Test func aNotificationDeliveredWhileAClaimWaitedForItIsNotClaimedAgain() async throws {
        let url = try PostgresCluster.shared.get().freshDatabaseURL()
        let location = try PostgresLocation(url: url)
        let store = try await PostgresStore.open(location)
        defer { store.close() }
        _ = try await store.submit(try NotificationContractTests.patch("cccc0001", at: 1_000), auditAction: "patch", detail: [:])
        let pending = try await store.notifications(limit: 10).map(\.id).sorted()
        #expect(pending == [1, 2], "one notification per target")

        // Another engine: it has claimed notification 1 and holds its row while it records the delivery.
        let other = try await PostgresConnection.connect(
            configuration: .init(host: location.host, port: location.port, username: location.user, password: nil,
                                 database: location.database, tls: .disable),
            id: 1, logger: logger)
        try await other.query("BEGIN", logger: logger)
        try await other.query("SELECT id FROM notification WHERE id = 1 FOR UPDATE", logger: logger)
        async let claim = store.claimDueNotifications(engine: "late", now: 2_000, until: 2_100, limit: 8)
        do {
            var waiting = false
            for _ in 0..<400 where !waiting {
                try await other.query("SELECT pg_stat_clear_snapshot()", logger: logger)
                for try await _ in try await other.query("""
                    SELECT pid FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))
                    """, logger: logger) { waiting = true }
                if !waiting { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(waiting, "the claim waits for the row")
            try await other.query("""
                UPDATE notification SET state = 'delivered', delivered_at = 1999, attempts = 1, claimed_by = NULL,
                  claimed_until = NULL WHERE id = 1
                """, logger: logger)
            try await other.query("COMMIT", logger: logger)
        } catch {
            try? await other.close()  // lets go of the row, so the waiting claim ends before this scope does
            _ = try? await claim
            throw error
        }
        let claimed = try await claim.map(\.id)
        #expect(claimed == [2], "the delivered notification is not claimed (and sent) again: \(claimed)")
        try await other.close()
        let first = try #require(try await store.notifications(limit: 10).first { $0.id == 1 })
        #expect(first.state == "delivered" && first.attempts == 1)
    }
}
