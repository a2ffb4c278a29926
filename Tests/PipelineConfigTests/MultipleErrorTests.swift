import PipelineConfig
import PipelineModel
import Testing

@Suite("Every problem at once")
struct MultipleErrorTests {
    @Test("one file with many problems reports them all, in file order, and no plan")
    func manyProblems() {
        let result = load("""
            name: shop
            environments:
              production:
                traits: {database: postgres-15}
              sandbox:
                traits: {database: sqlite-3}
                confg: sandbox.env
            stages:
              - name: commit
                environment: sandbox
                jobs:
                  build: make
              - name: sandbox
                enviroment: sandbox
                jobs: {}
              - name: specialist
                jobs:
                  load: {run: ./load.sh, environment: pref, timeout: soon}
              - name: specialist
                approval: later
                jobs:
                  pack: {run: make, artifacts: [x]}
            secrets: [good, 9bad]

            """)
        #expect(result.plan == nil)
        #expect(result.messages == [
            "5:3: environment `sandbox` differs from production in traits: database (sqlite-3 vs postgres-15)",
            "7:5: unknown key `confg` in environment `sandbox`",
            "10:5: the commit stage `commit` may not name an environment",
            "10:18: `deploy` is required because stage `commit` names environment `sandbox`",
            "11:5: the commit stage `commit` declares no artifacts",
            "14:5: unknown key `enviroment` in stage `sandbox`",
            "15:5: stage `sandbox` has no jobs",
            "18:43: job `load` of stage `specialist` names undeclared environment `pref`",
            "18:58: invalid timeout `soon` for job `load` of stage `specialist`",
            "19:11: duplicate stage name `specialist` (first at 16:11)",
            "20:15: invalid approval `later` in stage `specialist`",
            "22:25: job `pack` of stage `specialist` declares artifacts, but only the commit stage `commit` produces artifacts",
            "23:17: invalid secret `9bad`",
        ])
        #expect(result.errors.count == 12)
        #expect(result.warnings.count == 1)
    }

    @Test("every diagnostic names the file it came from")
    func fileName() {
        let result = PipelineLoader.load(text: "name: shop\n", file: "pipelines/ci.yml")
        #expect(result.lines == [
            "pipelines/ci.yml:1:1: error: missing required key `stages` at top level; "
                + "list the stages in order; the first is the commit stage",
        ])
    }
}
