import Foundation
import PipelineModel
import StoreCore
import StoreSQLite
import StorePostgres
import Testing
import TestSupport

/// The store contract, run against the embedded SQLite store and a real PostgreSQL server alike.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A new, empty store of this kind and what removes it.
    func make() async throws -> (any VersionLedger & SchedulerStore & DecisionStore & TriggerLedger, @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let folder = NSTemporaryDirectory() + "cdsh-contract-\(UUID().uuidString.prefix(8))"
            return (try SQLiteStore(folder: folder), { try? FileManager.default.removeItem(atPath: folder) })
        case .postgres:
            let cluster = try PostgresCluster.shared.get()
            let store = try await PostgresStore.open(try PostgresLocation(url: try cluster.freshDatabaseURL()))
            return (store, { store.close() })
        }
    }
}

struct VersionLedgerContractTests {
    static let plan = PipelinePlan(name: "shop", stages: [
        StageSpec(name: "commit", jobs: [JobSpec(name: "build", commands: ["make"], artifacts: ["dist/*"])]),
    ])

    static func version(_ commit: String, by who: String = "alice", at time: Double = 1_000) throws -> VersionRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return VersionRecord(commitID: commit, ref: "main", priority: .normal, note: "a note with ünïcode ✓",
                             planJSON: String(decoding: try encoder.encode(plan), as: UTF8.self), sourcePath: "/src", pipelinePath: "/src/cdsh.yml", submittedBy: who, submittedAt: time)
    }

    @Test(arguments: StoreKind.allCases)
    func submittedVersionsComeBackWhole(_ kind: StoreKind) async throws {
        let (ledger, remove) = try await kind.make()
        defer { remove() }
        var committed = try Self.version("a1b2c3d4e5")
        committed.committedAt = 999.25
        let first = try await ledger.submit(committed, auditAction: "submit", detail: ["ref": "main"])
        let second = try await ledger.submit(try Self.version("f6e5d4c3b2", by: "bob", at: 2_000), auditAction: "patch",
                                             detail: ["reason": "CVE"])
        #expect(first.id == 1 && second.id == 2)
        let read = try await ledger.version(1)
        #expect(read == first)
        let unrecorded = try await ledger.version(2)
        #expect(read.committedAt == 999.25 && unrecorded.committedAt == nil, "the committer time is kept")
        #expect(try read.plan() == Self.plan)
        #expect(try await ledger.versions(limit: 10).map(\.id) == [2, 1])
        #expect(try await ledger.versions(limit: 1).map(\.id) == [2])
        await #expect(throws: StoreError.notFound("no version v3")) { try await ledger.version(3) }
    }

    @Test(arguments: StoreKind.allCases)
    func referencesResolveAlike(_ kind: StoreKind) async throws {
        let (ledger, remove) = try await kind.make()
        defer { remove() }
        await #expect(throws: VersionReference.noVersionsYet) { try await ledger.resolve("latest") }
        _ = try await ledger.submit(try Self.version("abcd1111"), auditAction: "submit", detail: [:])
        _ = try await ledger.submit(try Self.version("abcd2222"), auditAction: "submit", detail: [:])
        _ = try await ledger.submit(try Self.version("abcd2222"), auditAction: "submit", detail: [:])
        #expect(try await ledger.resolve("latest").id == 3)
        #expect(try await ledger.resolve("v2").id == 2)
        #expect(try await ledger.resolve("1").id == 1)
        #expect(try await ledger.resolve("ABCD1").id == 1)
        #expect(try await ledger.resolve("abcd2").id == 3, "the newest version of that commit")
        await #expect(throws: StoreError.self) { try await ledger.resolve("abcd") }
        await #expect(throws: StoreError.self) { try await ledger.resolve("fff0") }
        await #expect(throws: StoreError.self) { try await ledger.resolve("not-a-version") }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentSubmitsKeepOneUnbrokenAuditChain(_ kind: StoreKind) async throws {
        let (ledger, remove) = try await kind.make()
        defer { remove() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for number in 0..<16 {
                group.addTask {
                    _ = try await ledger.submit(try Self.version(String(format: "%08x", number), by: "user\(number)"),
                                                auditAction: "submit", detail: ["n": String(number)])
                }
            }
            try await group.waitForAll()
        }
        let entries = try await ledger.auditEntries(versionID: nil)
        #expect(entries.count == 16)
        #expect(AuditLog.firstBrokenEntry(in: entries) == nil)
        #expect(Set(try await ledger.versions(limit: 100).compactMap(\.id)) == Set(1...16))
        let one = try await ledger.auditEntries(versionID: 5)
        #expect(one.count == 1 && one[0].versionID == 5 && one[0].action == "submit")
    }
}
