import Foundation
import Testing

/// submit, approve, reject, rerun and cancel in process: what each says when it acts and when it refuses.
@Suite(.serialized)
struct DecisionCommandTests {
    @Test func submitThenApproveTakesAVersionToProductionAndFourEyesHold() async throws {
        let shell = try CommandHarness()
        let submitted = await shell.run("submit --note first")
        #expect(submitted.text == "v1", "\(String(describing: submitted.error))")
        let status = await shell.run("status")
        #expect(status.text.contains("awaiting-approval at production"), "\(status.text)")

        let noReason = await shell.run("approve v1")
        #expect(noReason.status == 2, "--reason is required: \(String(describing: noReason.error))")
        let own = await shell.run("approve v1 --reason mine")
        #expect(own.status == 0, "the stage does not ask for four eyes: \(String(describing: own.error))")
        #expect(own.text.contains("v1 approved for production by alice"))
        let again = await shell.run("approve v1 --reason again")
        #expect(again.status == 4)
        #expect(again.error?.message == "v1 is not awaiting approval (its `production` stage is passed)")
        #expect(again.error?.hint == "nothing of it waits for a person; `show v1` says where it is")
        let unknown = await shell.run("approve v9 --reason x")
        #expect(unknown.status == 1 && unknown.error?.message == "no version v9")
    }

    @Test func rejectStopsTheVersionAndRerunOnlyGoesWhereItStopped() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        shell.who = "bob"
        let rejected = await shell.run("reject v1 --reason 'not today'")
        #expect(rejected.status == 0, "\(String(describing: rejected.error))")
        #expect((await shell.run("status")).text.contains("rejected at production"))
        let notStopped = await shell.run("rerun v1 sandbox")
        #expect(notStopped.status == 4)
        #expect(notStopped.error?.message.contains("only a stopped stage can be rerun") == true,
                "\(String(describing: notStopped.error))")
        let typo = await shell.run("rerun v1 prodution")
        #expect(typo.status == 2 && typo.error?.hint == "did you mean `production`?", "a stage the plan lacks is a usage error")
        let rerun = await shell.run("rerun v1 production")
        #expect(rerun.status == 0, "\(String(describing: rerun.error))")
        #expect((await shell.run("status")).text.contains("awaiting-approval at production"))
    }

    @Test func cancelStopsQueuedWorkOnceAndSaysWhyItCannotTwice() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        let cancelled = await shell.run("cancel v1")
        #expect(cancelled.status == 0, "\(String(describing: cancelled.error))")
        #expect(cancelled.text.contains("v1 cancelled"))
        let twice = await shell.run("cancel v1")
        #expect(twice.status == 4 && twice.error?.message == "v1 was already cancelled")
    }

    @Test func aVersionCancelledBeforeItStartedShowsCancelledAtItsFirstStage() async throws {
        let shell = try CommandHarness()
        shell.backend.paused = true
        _ = await shell.run("submit")
        #expect((await shell.run("cancel v1")).status == 0)
        let row = (await shell.run("status")).text.split(separator: "\n").first { $0.hasPrefix("v1") }.map(String.init) ?? ""
        #expect(row.contains("cancelled at commit"), "\(row)")
        #expect(row.dropFirst(15).first.map { !$0.isWhitespace } == true, "the commit cell is not blank: \(row)")
        #expect((await shell.run("show v1")).text.contains("commit        cancelled"))
        let json = (await shell.run("show v1 --json")).result?.json.rendered() ?? ""
        #expect(json.contains(#"{"name":"commit","state":"cancelled""#), "\(json)")
    }

    @Test func approvingAnOlderVersionThanProductionRunsIsRefusedWithTheRollbackToUseInstead() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        try shell.project.commit(["VERSION": "2\n"], message: "release 2")
        _ = await shell.run("submit")
        #expect((await shell.run("approve v2 --reason 'release 2'")).status == 0)
        let refused = await shell.run("approve v1 --reason 'release 1'")
        #expect(refused.status == 4, "\(String(describing: refused.error))")
        #expect(refused.error?.message == "v1 is not awaiting approval (its `production` stage is superseded)")
        #expect(refused.error?.hint?.contains("`rollback production v1 --reason …`") == true)
        let row = (await shell.run("status")).text.split(separator: "\n").first { $0.hasPrefix("v1") } ?? ""
        #expect(row.contains("superseded at production"), "\(row)")
        let waited = await shell.run("wait v1 --timeout 5s")
        #expect(waited.status == 1 && waited.text.contains("v1 stopped at production: superseded (v2, a newer version"),
                "\(waited.text)")
        #expect((await shell.run("env production")).text.split(separator: "\n").dropFirst().first?.contains("v2") == true)
    }

    @Test func aGateForTwoApproversSaysItWaitsForAnotherAndShowsEachApproval() async throws {
        let shell = try CommandHarness(pipeline: CommandHarness.pipeline.replacingOccurrences(
            of: "approval: manual", with: "approval: {manual: true, approvers: 2, separate: true, expires: 24h}"))
        _ = await shell.run("submit")
        let own = await shell.run("approve v1 --reason mine")
        #expect(own.status == 4 && own.error?.message.contains("four eyes") == true, "\(String(describing: own.error))")
        shell.who = "bob"
        let first = await shell.run("approve v1 --reason 'first look'")
        #expect(first.text == "v1 production: approval by bob recorded; it needs 2 different people, so it waits for more",
                "\(first.text)")
        #expect((await shell.run("status")).text.contains("awaiting-approval at production"))
        shell.who = "carol"
        #expect((await shell.run("approve v1 --reason 'second look'")).text == "v1 approved for production by carol")
        let show = (await shell.run("show v1")).text
        #expect(show.contains("approve by bob at") && show.contains(": first look") && show.contains(": second look"), "\(show)")
        let audit = (await shell.run("audit v1")).text
        #expect(audit.contains("first look") && audit.contains("second look") && audit.contains("2 of 2"), "\(audit)")
    }

    @Test func aJobBoundToProductionNeverDeploysAnOlderVersionOverANewerOne() async throws {
        let shell = try CommandHarness(pipeline: """
            name: shop
            deploy: ./deploy.sh
            environments:
              production: {}
            stages:
              - name: commit
                jobs:
                  build: {run: make dist, artifacts: [dist/app.tgz]}
              - name: release
                approval: manual
                jobs:
                  ship: {run: ./smoke.sh, environment: production}
            """)
        _ = await shell.run("submit")
        try shell.project.commit(["VERSION": "2\n"], message: "release 2")
        _ = await shell.run("submit")
        shell.who = "bob"
        #expect((await shell.run("approve v2 --reason 'release 2'")).status == 0)
        #expect((await shell.run("approve v1 --reason 'release 1'")).status == 0, "the stage has no environment of its own")
        let waited = await shell.run("wait v1 --timeout 5s")
        #expect(waited.status == 1 && waited.text.contains("v2, a newer version, is live in production"), "\(waited.text)")
        let production = (await shell.run("env production")).text
        #expect(production.split(separator: "\n").dropFirst().first?.contains("v2") == true, "\(production)")
    }
}
