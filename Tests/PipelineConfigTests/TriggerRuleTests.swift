import PipelineModel
import Testing

/// `trigger:` in cdsh.yml: which branches' commits become versions on their own, and how they are noticed.
struct TriggerRuleTests {
    static func pipeline(_ trigger: String) -> String {
        minimalPipeline(with: "trigger: \(trigger)")
    }

    @Test func aFullTriggerReadsBack() throws {
        let result = load(Self.pipeline(#"{branches: [main, "release/*"], remote: origin, poll: 2m, each: true}"#))
        #expect(result.errors.isEmpty, "\(result.lines)")
        let trigger = try #require(result.plan?.trigger)
        #expect(trigger == Trigger(branches: ["main", "release/*"], remote: "origin", pollSeconds: 120, each: true))
        #expect(trigger.follows("main") && trigger.follows("release/1.2") && trigger.follows("release/2/hotfix"))
        #expect(!trigger.follows("mainline") && !trigger.follows("feature/x"))
        #expect(load(Self.pipeline("{branches: main}")).plan?.trigger == Trigger(branches: ["main"]), "one branch as a string")
        #expect(load(Self.pipeline("{branches: [main]}")).plan?.trigger?.pollSeconds == nil, "no polling unless asked")
    }

    @Test func everyMistakeIsReportedAtItsPosition() {
        #expect(load(Self.pipeline("{branch: [main]}")).messages == [
            "2:10: missing required key `branches` in `trigger`", "2:11: unknown key `branch` in `trigger`",
        ])
        #expect(load(Self.pipeline("{branches: []}")).messages == ["2:21: `branches` of `trigger` is empty"])
        #expect(load(Self.pipeline("{branches: [refs/heads/main, 'a b']}")).messages == [
            "2:22: `refs/heads/main` is not a branch name or pattern", "2:39: `a b` is not a branch name or pattern",
        ])
        #expect(load(Self.pipeline("{branches: [main], poll: often}")).messages == [
            "2:35: `poll` of `trigger` must be a duration such as `1m` or `30s`",
        ])
        #expect(load(Self.pipeline("{branches: [main], remote: 'origin/main'}")).messages == [
            "2:37: `origin/main` is not a remote's name",
        ])
        #expect(load(Self.pipeline("{branches: [main], each: sometimes}")).messages == [
            "2:35: `each` must be true or false, not `sometimes`",
        ])
        #expect(load(Self.pipeline("[main]")).errors.count == 1)
    }

    @Test func aTriggerIsReadEvenWhenTheRestOfTheFileIsInvalid() {
        let result = load("name: shop\ntrigger: {branches: [main]}\nsource: sub\nstages: []\n")
        #expect(result.plan == nil && !result.errors.isEmpty)
        #expect(result.trigger == Trigger(branches: ["main"]) && result.source == "sub")
    }
}
