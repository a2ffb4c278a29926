import Foundation
@testable import Shell
import Testing
import TestSupport

/// What Tab offers follows the store and the repository as they are now, not as they were at the last command.
@Suite(.serialized)
struct CompletionSnapshotTests {
    @Test func aStaleSnapshotIsReadAgainForWhatChanged() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        let context = shell.context()
        let first = await CompletionSnapshot.load(context: context)
        #expect(first.versions == ["v1"] && first.awaitingApproval == ["v1"], "\(first.versions) \(first.awaitingApproval)")
        #expect(await CompletionSnapshot.refreshed(first, for: .versions, context: context) == nil, "nothing changed")

        try shell.project.commit(["NEXT": "2\n"], message: "second")
        _ = await shell.run("submit")  // as another shell would
        let names = try #require(await CompletionSnapshot.refreshed(first, for: .versions, context: context))
        #expect(names.versions == ["v2", "v1"])
        #expect(names.stages["v2"] == ["commit", "sandbox", "production"])
        let states = try #require(await CompletionSnapshot.refreshed(names, for: .awaitingVersions, context: context))
        #expect(states.awaitingApproval == ["v2", "v1"])

        shell.who = "bob"
        _ = await shell.run("reject v2 --reason 'not today'")
        let rejected = try #require(await CompletionSnapshot.refreshed(states, for: .rerunnableStages, context: context))
        #expect(rejected.awaitingApproval == ["v1"] && rejected.rerunnable["v2"] == ["production"],
                "\(rejected.awaitingApproval) \(rejected.rerunnable)")

        try ProcessRunner.git(["branch", "hotfix-login"], in: shell.project.path)
        let branches = try #require(await CompletionSnapshot.refreshed(rejected, for: .revisions, context: context))
        #expect(branches.revisions.contains("hotfix-login"))
    }
}
