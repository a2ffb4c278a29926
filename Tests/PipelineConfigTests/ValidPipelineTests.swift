import Foundation
import PipelineConfig
import PipelineModel
import Testing

@Suite("Valid pipelines")
struct ValidPipelineTests {
    @Test("the example from the spec loads into the expected plan")
    func specExampleLoads() {
        let result = load(specExample)
        #expect(result.diagnostics.isEmpty)
        let traits = ["database": "postgres-15", "runtime": "python-3.11"]
        let expected = PipelinePlan(
            name: "shop",
            source: ".",
            deploy: "./scripts/deploy.sh",
            environments: [
                EnvironmentSpec(name: "sandbox", config: "config/sandbox.env", traits: traits),
                EnvironmentSpec(name: "perf", config: "config/perf.env", traits: traits),
                EnvironmentSpec(name: "production", config: "config/production.env", traits: traits),
            ],
            stages: [
                StageSpec(name: "commit", jobs: [
                    JobSpec(name: "build", commands: ["make build", "make test"], artifacts: ["dist/*.tar.gz"]),
                ]),
                StageSpec(name: "sandbox", environment: "sandbox", jobs: [
                    JobSpec(name: "smoke", commands: ["./scripts/smoke.sh"]),
                ]),
                StageSpec(name: "specialist", jobs: [
                    JobSpec(name: "load", commands: ["./scripts/load.sh"], environment: "perf", timeoutSeconds: 600),
                    JobSpec(name: "security", commands: ["./scripts/pentest.sh"]),
                    JobSpec(name: "accessibility", commands: ["./scripts/a11y.sh"]),
                ]),
                StageSpec(name: "production", environment: "production", approval: .manual, jobs: [
                    JobSpec(name: "smoke", commands: ["./scripts/smoke.sh"]),
                ]),
            ],
            secrets: []
        )
        #expect(result.plan == expected)
    }

    @Test("defaults: source is `.`, no deploy, automatic approval, 30 minute timeout")
    func defaults() throws {
        let result = load(commitStage)
        #expect(result.diagnostics.isEmpty)
        let plan = try #require(result.plan)
        #expect(plan.source == ".")
        #expect(plan.deploy == nil)
        #expect(plan.environments.isEmpty)
        #expect(plan.secrets.isEmpty)
        #expect(plan.stages[0].approval == .automatic)
        #expect(plan.stages[0].jobs[0].timeoutSeconds == 30 * 60)
        #expect(plan.stages[0].jobs[0].artifacts == ["dist/*"])
    }

    @Test("the three job forms, artifact forms, secrets and a null environment")
    func jobForms() throws {
        let result = load("""
            name: shop
            source: app
            deploy: ./deploy.sh
            secrets: [API_TOKEN, _db_password2]
            environments:
              staging:
              production: {config: prod.env, traits: {replicas: 3, tls: true}}
            stages:
              - name: commit
                jobs:
                  build:
                    run: make
                    artifacts: dist/app.tar.gz
                  lint: [make lint, make vet]
                  docs: make docs
              - name: staging
                environment: staging
                jobs:
                  smoke: {run: [./smoke.sh], timeout: 1h30m}

            """)
        let plan = try #require(result.plan)
        #expect(plan.source == "app")
        #expect(plan.secrets == ["API_TOKEN", "_db_password2"])
        #expect(plan.environments == [
            EnvironmentSpec(name: "staging"),
            EnvironmentSpec(name: "production", config: "prod.env", traits: ["replicas": "3", "tls": "true"]),
        ])
        #expect(plan.stages[0].jobs == [
            JobSpec(name: "build", commands: ["make"], artifacts: ["dist/app.tar.gz"]),
            JobSpec(name: "lint", commands: ["make lint", "make vet"]),
            JobSpec(name: "docs", commands: ["make docs"]),
        ])
        #expect(plan.stages[1].jobs == [JobSpec(name: "smoke", commands: ["./smoke.sh"], timeoutSeconds: 5400)])
        #expect(result.lines == [
            "cdsh.yml:6:3: warning: environment `staging` differs from production in traits: "
                + "replicas (not declared vs 3), tls (not declared vs true); `staging` should mirror production",
        ])
    }

    @Test("loading a file reads it; a missing file is one diagnostic at 1:1")
    func loadContentsOf() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("PipelineConfigTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/cdsh.yml"
        try specExample.write(toFile: path, atomically: true, encoding: .utf8)
        let result = PipelineLoader.load(contentsOf: path)
        #expect(result.diagnostics.isEmpty)
        #expect(result.plan?.name == "shop")

        let missing = PipelineLoader.load(contentsOf: directory + "/absent.yml")
        #expect(missing.plan == nil)
        #expect(missing.lines == ["\(directory)/absent.yml:1:1: error: cannot read the pipeline file: no such file"])
    }
}
