import PipelineConfig
import PipelineModel
import Testing

@Suite("Stage rules")
struct StageRuleTests {
    static let nameHint = "a name starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`"

    @Test("a stage must be a mapping")
    func stageNotAMapping() {
        let result = load(commitStage + "  - sandbox\n")
        #expect(result.plan == nil)
        #expect(result.messages == ["6:5: expected a stage (a mapping with `name` and `jobs`), found the string `sandbox`"])
    }

    @Test("a stage needs a name; unknown keys name the stage and suggest the close key")
    func stageNameAndUnknownKeys() {
        let result = load(commitStage + """
              - jobs: {test: make test}
              - name: sandbox
                enviroment: sandbox
                timeout: 10m
                jobs: {smoke: ./smoke.sh}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:6:5: error: stage 2 has no `name`; add `name: STAGE`",
            "cdsh.yml:8:5: error: unknown key `enviroment` in stage `sandbox`; did you mean `environment`?",
            "cdsh.yml:9:5: error: unknown key `timeout` in stage `sandbox`",
        ])
    }

    @Test("stage names are valid and unique")
    func stageNames() {
        let result = load(commitStage + """
              - name: smoke test
                jobs: {smoke: ./smoke.sh}
              - name: commit
                jobs: {again: make}
              - name: [list]
                jobs: {x: y}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:6:11: error: invalid stage name `smoke test`; \(Self.nameHint)",
            "cdsh.yml:8:11: error: duplicate stage name `commit` (first at 3:11)",
            "cdsh.yml:10:11: error: expected a stage name, found a list",
        ])
    }

    @Test("approval accepts only `manual`")
    func approval() throws {
        let result = load(commitStage + """
              - name: production
                approval: manul
                jobs: {smoke: ./smoke.sh}
              - name: staging
                approval: automatic
                jobs: {smoke: ./smoke.sh}

            """)
        #expect(result.plan == nil)
        let hint = "`manual` is the only value; leave `approval` out to promote automatically"
        #expect(result.lines == [
            "cdsh.yml:7:15: error: invalid approval `manul` in stage `production`; did you mean `manual`? \(hint)",
            "cdsh.yml:10:15: error: invalid approval `automatic` in stage `staging`; \(hint)",
        ])

        let valid = load(commitStage + "  - name: production\n    approval: manual\n    jobs: {smoke: ./smoke.sh}\n")
        #expect(try #require(valid.plan).stages[1].approval == .manual)
    }

    @Test("an empty stage is an error, however it is empty")
    func emptyStages() {
        let result = load(commitStage + """
              - name: missing
              - name: blank
                jobs:
              - name: empty
                jobs: {}
              - name: list
                jobs: [make]

            """)
        #expect(result.plan == nil)
        let hint = "declare at least one job, such as `jobs: {build: make}`"
        #expect(result.lines == [
            "cdsh.yml:6:5: error: stage `missing` has no `jobs`; \(hint)",
            "cdsh.yml:8:5: error: stage `blank` has no jobs; \(hint)",
            "cdsh.yml:10:5: error: stage `empty` has no jobs; \(hint)",
            "cdsh.yml:12:11: error: expected a mapping of job names to jobs, found a list",
        ])
    }
}

@Suite("Job rules")
struct JobRuleTests {
    @Test("job shapes: nothing, an empty list, non-string commands, a mapping without `run`")
    func jobShapes() {
        let result = load(commitStage + """
              - name: test
                jobs:
                  unit:
                  lint: []
                  vet: [go vet, {x: y}]
                  e2e: {timeout: 10m}
                  blank: "  "
                  alias-free: 42

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:8:7: error: job `unit` of stage `test` has no commands; "
                + "write its command after the name, such as `unit: ./scripts/unit.sh`",
            "cdsh.yml:9:13: error: job `lint` of stage `test` has no commands; list at least one command",
            "cdsh.yml:10:21: error: expected a string, found a mapping",
            "cdsh.yml:11:7: error: job `e2e` of stage `test` has no `run`; add `run: COMMAND` or `run: [COMMAND, …]`",
            "cdsh.yml:12:14: error: empty command in job `blank` of stage `test`",
            "cdsh.yml:13:19: error: a command of job `alias-free` of stage `test` must be text, found the number `42`; "
                + "quote it (`'42'`) if it is a command",
        ])
    }

    @Test("unknown keys in a job suggest the close key; job names are checked")
    func jobKeysAndNames() {
        let result = load(commitStage + """
              - name: test
                jobs:
                  unit:
                    run: make test
                    artefacts: [report.xml]
                    retries: 3
                  "unit tests": make test
                  -x: make x

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:10:9: error: unknown key `artefacts` in job `unit`; did you mean `artifacts`?",
            "cdsh.yml:11:9: error: unknown key `retries` in job `unit`",
            "cdsh.yml:12:7: error: invalid job name `unit tests`; \(StageRuleTests.nameHint)",
            "cdsh.yml:13:7: error: invalid job name `-x`; \(StageRuleTests.nameHint)",
        ])
    }

    @Test("run and artifacts must be strings or lists of strings")
    func runAndArtifactTypes() {
        let result = load("""
            name: shop
            stages:
              - name: commit
                jobs:
                  build: {run: {make: all}, artifacts: {dist: yes}}
                  pack: {run: make pack, artifacts: ["  "]}

            """)
        #expect(result.plan == nil)
        #expect(result.messages == [
            "5:20: expected a command or a list of commands, found a mapping",
            "5:44: expected a glob or a list of globs for `artifacts`, found a mapping",
            "6:42: empty artifact glob",
        ])
    }

    @Test("an invalid timeout is an error whose hint shows the accepted forms")
    func invalidTimeouts() throws {
        let result = load(commitStage + """
              - name: test
                jobs:
                  a: {run: make, timeout: 10 minutes}
                  b: {run: make, timeout: 90}
                  c: {run: make, timeout: 0s}
                  d: {run: make, timeout: [10m]}
                  e: {run: make, timeout: 2h}

            """)
        #expect(result.plan == nil)
        let hint = "use a duration such as `90s`, `10m`, `1h` or `1h30m`"
        #expect(result.lines == [
            "cdsh.yml:8:31: error: invalid timeout `10 minutes` for job `a` of stage `test`; \(hint)",
            "cdsh.yml:9:31: error: invalid timeout `90` for job `b` of stage `test`; \(hint)",
            "cdsh.yml:10:31: error: invalid timeout `0s` for job `c` of stage `test`; \(hint)",
            "cdsh.yml:11:31: error: expected a duration for `timeout` of job `d` of stage `test`, found a list; \(hint)",
        ])
    }

    @Test("only the commit stage may declare artifacts")
    func artifactsInLaterStage() {
        let result = load(commitStage + """
              - name: package
                jobs:
                  tarball:
                    run: make dist
                    artifacts: [dist/*.tar.gz]

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:10:9: error: job `tarball` of stage `package` declares artifacts, "
                + "but only the commit stage `commit` produces artifacts; "
                + "later stages receive the commit stage's artifacts in `$CDSH_ARTIFACTS`",
        ])
    }
}
