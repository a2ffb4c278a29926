import PipelineModel
import Testing

/// `runs-on:` in cdsh.yml: the labels an engine must hold to deploy to an environment or run a job.
struct RunsOnRuleTests {
    static func pipeline(environment: String, job: String) -> String {
        """
        name: shop
        deploy: ./deploy.sh
        environments:
          production: \(environment)
        stages:
          - name: commit
            jobs:
              build: {run: make, artifacts: [dist/*]}
          - name: production
            environment: production
            jobs:
              smoke: \(job)
        """
    }

    @Test func labelsOfEnvironmentsAndJobsReadBack() throws {
        let result = load(Self.pipeline(environment: "{runs-on: [production, eu]}", job: "{run: ./smoke.sh, runs-on: browser}"))
        #expect(result.errors.isEmpty, "\(result.lines)")
        let plan = try #require(result.plan)
        #expect(plan.environment(named: "production")?.runsOn == ["production", "eu"])
        #expect(plan.stages[1].job(named: "smoke")?.runsOn == ["browser"], "one label as a string")
        #expect(plan.requiredLabelSets == [["eu", "production"], ["browser", "eu", "production"]])
        let plain = try #require(load(Self.pipeline(environment: "{}", job: "./smoke.sh")).plan)
        #expect(plain.environment(named: "production")?.runsOn == nil && plain.requiredLabelSets.isEmpty)
    }

    @Test func aWrongLabelIsReportedAtItsPosition() {
        #expect(load(Self.pipeline(environment: "{runs-on: [production, 'eu west']}", job: "./smoke.sh")).messages == [
            "4:38: invalid label `eu west` in `runs-on` of environment `production`",
        ])
        #expect(load(Self.pipeline(environment: "{runs-on: []}", job: "./smoke.sh")).messages == [
            "4:25: `runs-on` of environment `production` lists no label",
        ])
        #expect(load(Self.pipeline(environment: "{}", job: "{run: x, runs-on: {a: b}}")).messages.count == 1)
        #expect(load(Self.pipeline(environment: "{runson: [x]}", job: "./smoke.sh")).lines.first?
            .contains("did you mean `runs-on`") == true)
    }
}
