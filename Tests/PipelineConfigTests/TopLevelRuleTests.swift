import PipelineConfig
import PipelineModel
import Testing

@Suite("Top-level rules")
struct TopLevelRuleTests {
    @Test("an empty file is one error at 1:1", arguments: ["", "# nothing but a comment\n"])
    func emptyFile(text: String) {
        let result = load(text)
        #expect(result.plan == nil)
        #expect(result.lines == ["cdsh.yml:1:1: error: the pipeline file is empty; declare at least `name` and `stages`"])
    }

    @Test("the top level must be a mapping")
    func topLevelNotAMapping() {
        let result = load("- name: shop\n")
        #expect(result.messages == ["1:1: expected a mapping with `name` and `stages`, found a list"])
    }

    @Test("`name` and `stages` are required")
    func missingRequiredKeys() {
        let result = load("\nsource: app\n")
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:2:1: error: missing required key `name` at top level; add `name: PIPELINE`",
            "cdsh.yml:2:1: error: missing required key `stages` at top level; "
                + "list the stages in order; the first is the commit stage",
        ])
    }

    @Test("unknown top-level keys, with a suggestion when one is close")
    func unknownTopLevelKeys() {
        let result = load(commitStage + "deplyo: ./deploy.sh\ncolour: red\n")
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:6:1: error: unknown key `deplyo` at top level; did you mean `deploy`?",
            "cdsh.yml:7:1: error: unknown key `colour` at top level",
        ])
    }

    @Test("wrong types at the top level say what was expected")
    func wrongTopLevelTypes() {
        let result = load("""
            name: [shop]
            source: {path: .}
            deploy:
            environments: 3
            secrets: API_TOKEN
            stages: {commit: {}}

            """)
        #expect(result.plan == nil)
        #expect(result.messages == [
            "1:7: expected the pipeline's name, found a list",
            "2:9: expected a path for `source`, found a mapping",
            "3:8: expected a command for `deploy`, found nothing",
            "4:15: expected a mapping of environment names to settings, found the number `3`",
            "5:10: expected a list of environment variable names for `secrets`, found the string `API_TOKEN`",
            "6:9: expected a list of stages, found a mapping",
        ])
    }

    @Test("no stages is an error", arguments: ["stages:\n", "stages: []\n"])
    func noStages(stages: String) {
        let result = load("name: shop\n" + stages)
        #expect(result.plan == nil)
        #expect(result.lines == ["cdsh.yml:2:1: error: the pipeline has no stages; the first stage is the commit stage"])
    }

    @Test("secrets are environment variable names, each declared once")
    func secrets() {
        let result = load(commitStage + """
            secrets:
              - API_TOKEN
              - 2FA_SEED
              - db-password
              - [NESTED]
              - API_TOKEN

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:8:5: error: invalid secret `2FA_SEED`; "
                + "a secret is an environment variable name: letters, digits and `_`, not starting with a digit",
            "cdsh.yml:9:5: error: invalid secret `db-password`; "
                + "a secret is an environment variable name: letters, digits and `_`, not starting with a digit",
            "cdsh.yml:10:5: error: expected an environment variable name, found a list",
            "cdsh.yml:11:5: error: duplicate secret `API_TOKEN` (first at 7:5)",
        ])
    }
}

@Suite("Environment rules")
struct EnvironmentRuleTests {
    @Test("environment names, keys and value types are checked")
    func environmentShape() {
        let result = load(commitStage + """
            environments:
              perf:
                confg: perf.env
                traits: {database: postgres-15}
              "load test": {config: load.env}
              staging: [config, traits]
              qa:
                config: [qa.env]
                traits: [database]
              uat:
                traits: {database: [postgres-15], cache: }
              dr: {supersede: maybe}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == [
            "cdsh.yml:8:5: error: unknown key `confg` in environment `perf`; did you mean `config`?",
            "cdsh.yml:10:3: error: invalid environment name `load test`; "
                + "a name starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`",
            "cdsh.yml:11:12: error: expected a mapping with `config`, `traits`, `supersede`, `secrets` and `runs-on`, found a list",
            "cdsh.yml:13:13: error: expected a file path for `config`, found a list",
            "cdsh.yml:14:13: error: expected a mapping of trait names to values, found a list",
            "cdsh.yml:16:24: error: expected a value for trait `database`, found a list",
            "cdsh.yml:16:46: error: expected a value for trait `cache`, found nothing",
            "cdsh.yml:17:19: error: `supersede` must be true or false, not `maybe`",
        ])
    }

    @Test("production supersedes older versions unless it says not to; other environments when they say so")
    func supersede() throws {
        let declared = load(commitStage + """
            deploy: ./deploy.sh
            environments:
              staging: {supersede: true}
              sandbox: {}
              production: {}

            """)
        #expect(try #require(declared.plan).supersedingEnvironments == ["staging", "production"])
        let off = load(commitStage + """
            deploy: ./deploy.sh
            environments:
              production: {supersede: false}

            """)
        #expect(try #require(off.plan).supersedingEnvironments == [])
    }

    @Test("duplicate environments point at the second and say where the first is")
    func duplicateEnvironment() {
        let result = load(commitStage + """
            environments:
              perf: {config: perf.env}
              sandbox:
              perf: {config: other.env}

            """)
        #expect(result.plan == nil)
        #expect(result.lines == ["cdsh.yml:9:3: error: duplicate environment `perf` (first at 7:3)"])
    }
}
