import PipelineConfig
import Testing

/// Limits far beyond any real pipeline and short of what would take the loader seconds or gigabytes: each is
/// an error at its position, never a hang.
struct LimitTests {
    @Test func aPipelineFileOverOneMebibyteIsRefusedBeforeItIsParsed() {
        let text = "name: x\n# " + String(repeating: "x", count: 1 << 20) + "\n"
        #expect(load(text).lines == ["cdsh.yml:1:1: error: the pipeline file is \(text.utf8.count) bytes; cdsh reads pipeline files of at most 1 MiB"])
    }

    @Test func nestingBeyondSixtyFourLevelsIsRefusedWhereItGoesTooDeep() {
        let deep = load("name: x\nstages: " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "\n")
        #expect(deep.lines == ["cdsh.yml:2:72: error: the pipeline nests more than 64 levels deep; a pipeline needs a few levels"])
        let libyamlLimit = load("name: x\nstages: " + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "\n")
        #expect(libyamlLimit.messages.count == 1)
        #expect(libyamlLimit.messages.first?.contains("nests more than 64 levels deep") == true, "\(libyamlLimit.messages)")
        #expect(!libyamlLimit.lines.joined().contains("yaml_"), "no library internals")
    }

    @Test func aliasesThatExpandBeyondAHundredThousandValuesAreRefusedQuickly() {
        var lines = ["name: x", "stages:", "  - name: commit", "    jobs:",
                     "      b0: {run: 'true', artifacts: &a0 [x, x, x, x, x, x, x, x, x, x]}"]
        for level in 1..<10 {
            let repeated = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("      b\(level): {run: 'true', artifacts: &a\(level) [\(repeated)]}")
        }
        let result = load(lines.joined(separator: "\n") + "\n")
        #expect(result.messages.count == 1)
        #expect(result.messages.first?.contains("holds more than 100000 values once its aliases are expanded") == true,
                "\(result.messages)")
    }

    @Test func anchorsAndAliasesAPipelineReallyUsesStillLoad() {
        let result = load("""
            name: x
            deploy: ./deploy.sh
            environments:
              sandbox: &env {traits: {db: postgres}}
              production: *env
            stages:
              - name: commit
                jobs:
                  build: {run: make, artifacts: [dist/*]}
              - name: sandbox
                environment: sandbox
                jobs: {smoke: ./smoke.sh}
            """)
        #expect(result.plan != nil, "\(result.lines)")
    }
}
