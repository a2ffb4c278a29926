import Foundation
import PipelineModel
import StoreCore
import Testing
import TestSupport

/// Each (branch, commit) a trigger sees is recorded once, on both stores: what keeps hooks, polling and several
/// engines from ever making two versions of one commit.
struct TriggerContractTests {
    static func triggered(_ commit: String, on branch: String = "main", via: String = "hook", at time: Double = 1_000) throws
        -> VersionRecord {
        var version = try VersionLedgerContractTests.version(commit, at: time)
        version.ref = branch
        version.branch = branch
        version.triggeredBy = via
        return version
    }

    @Test(arguments: StoreKind.allCases)
    func aCommitOnABranchMakesOneVersionHoweverManyTimesItIsSeen(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let results = try await withThrowingTaskGroup(of: VersionRecord?.self) { group in
            for index in 0..<12 {
                group.addTask {
                    try await store.submitTriggered(try Self.triggered("c0ffee01", via: index.isMultiple(of: 2) ? "hook" : "poll"),
                                                    auditAction: "submit", detail: ["trigger": "hook"])
                }
            }
            return try await group.reduce(into: [VersionRecord?]()) { $0.append($1) }
        }
        let made = results.compactMap { $0 }
        #expect(made.count == 1, "one of twelve concurrent sightings makes the version")
        #expect(try await store.versions(limit: 10).count == 1)
        #expect(try await store.auditEntries(versionID: nil).count == 1)
        let read = try await store.version(made[0].id!)
        #expect(read.branch == "main" && read.triggeredBy == made[0].triggeredBy && read.ref == "main")
        #expect(try await store.lastTriggered(branch: "main")?.versionID == made[0].id)

        // The same commit on another branch is another sighting; a person's submit is never deduplicated.
        #expect(try await store.submitTriggered(try Self.triggered("c0ffee01", on: "release/1"), auditAction: "submit", detail: [:]) != nil)
        _ = try await store.submit(try VersionLedgerContractTests.version("c0ffee01"), auditAction: "submit", detail: [:])
        #expect(try await store.versions(limit: 10).count == 3)
        #expect(try await store.lastTriggered(branch: "elsewhere") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func aRefusedCommitIsReportedUntilTheBranchMovesOn(_ kind: StoreKind) async throws {
        let (store, remove) = try await kind.make()
        defer { remove() }
        let refusal = TriggerRecord(branch: "main", commitID: "bad00001", versionID: nil, via: "poll",
                                    reason: "cdsh.yml:3:5: error: unknown key", at: 2_000)
        #expect(try await store.recordRefusedTrigger(refusal, notify: [], pipeline: "shop"))
        #expect(try await !store.recordRefusedTrigger(refusal, notify: [], pipeline: "shop"), "seen before: not recorded twice")
        #expect(try await store.submitTriggered(try Self.triggered("bad00001"), auditAction: "submit", detail: [:]) == nil,
                "a refused commit does not turn into a version when seen again")
        #expect(try await store.triggerProblems() == [refusal])
        #expect(try await store.lastTriggered(branch: "main") == refusal)

        _ = try await store.submitTriggered(try Self.triggered("900d0002", at: 3_000), auditAction: "submit", detail: [:])
        #expect(try await store.triggerProblems().isEmpty, "the branch's newest commit made a version")
        #expect(try await store.lastTriggered(branch: "main")?.commitID == "900d0002")
    }
}
