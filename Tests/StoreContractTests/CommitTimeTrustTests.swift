import Foundation
@testable import StoreCore
import Testing

/// The commit's time is in the submit's audit entry, so an edit of it — to another time, or to one where none was
/// known — is a version that differs from what was recorded; versions submitted before the key existed are not.
struct CommitTimeTrustTests {
    func problem(submittedWith submitted: Double?, now: Double?, recordKey: Bool = true) throws -> String? {
        var version = try VersionLedgerContractTests.version("dddd0001", at: 1_000)
        version.id = 1
        version.committedAt = submitted
        var detail = VersionTrust.submitDetail([:], of: version)
        if !recordKey { detail[VersionTrust.committedKey] = nil }
        let entry = try AuditLog.entry(at: 1_000, who: "alice", action: "submit", versionID: 1, detail: detail,
                                       previous: AuditLog.genesis)
        version.committedAt = now
        return VersionTrust.recordProblem(version: version, artifacts: nil, decisions: [], commitStage: "commit",
                                          versionEntries: [entry], attempts: [])
    }

    @Test func anEditedCommitTimeIsAProblemAndAnUneditedOneIsNot() throws {
        #expect(try problem(submittedWith: 1_700_000_000, now: 1_700_000_000) == nil)
        #expect(try problem(submittedWith: nil, now: nil) == nil)
        #expect(try problem(submittedWith: 1_700_000_000, now: 1_668_464_000)?.contains("v1's commit time differs") == true)
        #expect(try problem(submittedWith: 1_700_000_000, now: nil)?.contains("commit time differs") == true)
        #expect(try problem(submittedWith: nil, now: 1_700_000_000)?.contains("commit time differs") == true,
                "a time filled in where none was known is an edit too")
        #expect(try problem(submittedWith: nil, now: 1_700_000_000, recordKey: false) == nil,
                "a version submitted before the key existed is not refused")
    }
}
