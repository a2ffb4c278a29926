import PipelineConfig
import PipelineModel
import Testing

@Suite("Commit stage rules")
struct CommitStageRuleTests {
    @Test("the commit stage must declare artifacts")
    func noArtifacts() {
        let result = load("""
            name: shop
            stages:
              - name: build
                jobs:
                  compile: make
                  test: {run: make test, artifacts: []}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:4:5: error: the commit stage `build` declares no artifacts; "
                + "add `artifacts: [GLOB, …]` to one of its jobs; later stages deploy and test exactly these files",
        ])
    }

    @Test("artifact globs stay inside the workspace")
    func globsStayInside() {
        let result = load("""
            name: shop
            stages:
              - name: commit
                jobs:
                  build: {run: make, artifacts: [dist/*, ../secrets/*, /etc/passwd, "dist/../../x"]}

            """)
        #expect(result.plan == nil)
        #expect(result.messages == [
            "5:46: artifact glob `../secrets/*` leaves the job's workspace",
            "5:60: artifact glob `/etc/passwd` leaves the job's workspace",
            "5:73: artifact glob `dist/../../x` leaves the job's workspace",
        ])
    }

    @Test("the commit stage may not deploy, wait for approval, or have a job that names an environment")
    func noEnvironmentOrApproval() {
        let result = load("""
            name: shop
            deploy: ./deploy.sh
            environments: {sandbox: }
            stages:
              - name: commit
                environment: sandbox
                approval: manual
                jobs:
                  build:
                    run: make
                    artifacts: [dist/*]
                    environment: sandbox

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:6:5: error: the commit stage `commit` may not name an environment; "
                + "it runs before any artifact exists; deploy in a later stage",
            "cdsh.yml:7:5: error: the commit stage `commit` may not wait for manual approval; "
                + "it builds every check-in; ask for approval in a later stage",
            "cdsh.yml:12:9: error: job `build` of stage `commit` may not name an environment; "
                + "the commit stage runs before any artifact exists; move this job to a later stage",
        ])
    }

    @Test("a commit stage without a usable name is still the commit stage")
    func unnamedCommitStage() {
        let result = load("""
            name: shop
            stages:
              - jobs: {build: make}
              - name: package
                jobs: {tar: {run: tar, artifacts: [x.tar]}}

            """)
        #expect(result.messages == [
            "3:5: stage 1 has no `name`",
            "3:5: the commit stage declares no artifacts",
            "5:28: job `tar` of stage `package` declares artifacts, but only the commit stage produces artifacts",
        ])
    }
}

@Suite("Environment references and deploy")
struct EnvironmentReferenceTests {
    @Test("stages and jobs naming undeclared environments, with hints")
    func undeclaredEnvironments() {
        let result = load(commitStage + """
              - name: sandbox
                environment: sandbx
                jobs: {smoke: ./smoke.sh}
              - name: specialist
                jobs:
                  load: {run: ./load.sh, environment: pref}
                  pen: {run: ./pen.sh, environment: security-lab}
            deploy: ./deploy.sh
            environments:
              sandbox:
              perf:

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:7:18: error: stage `sandbox` names undeclared environment `sandbx`; did you mean `sandbox`?",
            "cdsh.yml:11:43: error: job `load` of stage `specialist` names undeclared environment `pref`; "
                + "did you mean `perf`?",
            "cdsh.yml:12:41: error: job `pen` of stage `specialist` names undeclared environment `security-lab`; "
                + "declared environments: `sandbox`, `perf`",
        ])
    }

    @Test("with no environments declared the hint says to declare one")
    func noEnvironmentsDeclared() {
        let result = load(commitStage + """
              - name: staging
                environment: staging
                jobs: {smoke: ./smoke.sh}
            deploy: ./deploy.sh

            """)
        #expect(result.lines == [
            "cdsh.yml:7:18: error: stage `staging` names undeclared environment `staging`; "
                + "declare it under `environments:`",
        ])
    }

    @Test("`deploy` is required once an environment is named; the error points at the first reference")
    func missingDeploy() {
        let result = load(commitStage + """
              - name: specialist
                jobs:
                  load: {run: ./load.sh, environment: perf}
              - name: sandbox
                environment: sandbox
                jobs: {smoke: ./smoke.sh}
            environments: {sandbox: , perf: }

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:8:43: error: `deploy` is required because job `load` of stage `specialist` names environment `perf`; "
                + "add a top-level `deploy: COMMAND`; the same command deploys to every environment",
        ])
    }

    @Test("no environment named, no deploy needed")
    func deployNotNeeded() {
        let result = load(commitStage + "  - name: test\n    jobs: {unit: make test}\n")
        #expect(result.diagnostics.isEmpty)
        #expect(result.plan?.deploy == nil)
    }
}
