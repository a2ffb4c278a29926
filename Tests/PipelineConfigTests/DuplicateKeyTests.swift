import PipelineConfig
import PipelineModel
import Testing

@Suite("Duplicate keys")
struct DuplicateKeyTests {
    @Test("a duplicate top-level key points at the second occurrence; other problems are still reported")
    func duplicateTopLevelKey() {
        let result = load(commitStage + """
            name: store
            colour: red

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:6:1: error: duplicate key `name` at top level (first at 1:1)",
            "cdsh.yml:7:1: error: unknown key `colour` at top level",
        ])
    }

    @Test("duplicate keys in a stage and in a job, in block and flow style")
    func duplicateKeysInStageAndJob() {
        let result = load(commitStage + """
              - name: test
                jobs:
                  lint: {run: make lint, run: make vet, artefacts: x}
                name: check
                jobs: {unit: make test}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:8:30: error: duplicate key `run` in job `lint` (first at 8:14)",
            "cdsh.yml:8:45: error: unknown key `artefacts` in job `lint`; did you mean `artifacts`?",
            "cdsh.yml:9:5: error: duplicate key `name` in stage `test` (first at 6:5)",
            "cdsh.yml:10:5: error: duplicate key `jobs` in stage `test` (first at 7:5)",
        ])
    }

    @Test("duplicate jobs in a stage; a job written three times is reported twice, each copy checked")
    func duplicateJobs() {
        let result = load("""
            name: shop
            stages:
              - name: commit
                jobs:
                  build: {run: make, artifacts: [dist/*]}
                  test: make test
                  build: make again
                  "build": {run: make thrice, environment: sandbox}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:7:7: error: duplicate job `build` in stage `commit` (first at 5:7)",
            "cdsh.yml:8:7: error: duplicate job `build` in stage `commit` (first at 5:7)",
            "cdsh.yml:8:35: error: job `build` of stage `commit` may not name an environment; "
                + "the commit stage runs before any artifact exists; move this job to a later stage",
            "cdsh.yml:8:48: error: job `build` of stage `commit` names undeclared environment `sandbox`; "
                + "declare it under `environments:`",
            "cdsh.yml:8:48: error: `deploy` is required because job `build` of stage `commit` names environment `sandbox`; "
                + "add a top-level `deploy: COMMAND`; the same command deploys to every environment",
        ])
    }

    @Test("duplicate traits; positions after a renamed key on the same line stay right")
    func duplicateTraits() {
        let result = load(commitStage + """
            environments:
              production: {traits: {db: pg, db: pg, cache: [redis]}, config: prod.env}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:7:33: error: duplicate trait `db` in environment `production` (first at 7:25)",
            "cdsh.yml:7:48: error: expected a value for trait `cache`, found a list",
        ])
    }

    @Test("a duplicate key that cannot be renamed (it carries an anchor) is reported at its first occurrence")
    func anchoredDuplicateKey() {
        let result = load("&first name: shop\nname: store\nstages: []\n")
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:1:1: error: key `name` appears more than once in this mapping; a mapping holds each key once",
        ])
    }
}
