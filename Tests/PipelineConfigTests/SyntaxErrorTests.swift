import PipelineConfig
import Testing

@Suite("YAML syntax errors")
struct SyntaxErrorTests {
    @Test("a syntax error is one diagnostic at the position Yams reports")
    func mappingValueNotAllowed() {
        let result = load("name: shop\nstages: a: b\n")
        #expect(result.plan == nil)
        #expect(result.lines == ["cdsh.yml:2:10: error: invalid YAML: mapping values are not allowed in this context"])
    }

    @Test("an unclosed flow sequence names where it started")
    func unclosedFlowSequence() {
        let result = load("name: shop\nsecrets: [A, B\nstages: []\n")
        #expect(result.lines == [
            "cdsh.yml:3:7: error: invalid YAML: did not find expected ',' or ']' "
                + "(while parsing a flow sequence at 2:10)",
        ])
    }

    @Test("a tab in the indentation gets a hint")
    func tabIndentation() {
        let result = load("name: shop\nstages:\n\t- name: commit\n")
        #expect(result.lines == [
            "cdsh.yml:3:1: error: invalid YAML: found character that cannot start any token "
                + "(while scanning for the next token at 3:1); indent with spaces; YAML does not allow tabs",
        ])
    }

    @Test("more than one document is an error at the separator")
    func twoDocuments() {
        let result = load("name: shop\n---\nname: other\n")
        #expect(result.lines == [
            "cdsh.yml:2:1: error: the pipeline file holds more than one YAML document; "
                + "remove the `---` separator; a pipeline is one document",
        ])
    }

    @Test("a syntax error after a renamed duplicate key keeps its file position")
    func syntaxErrorAfterDuplicate() {
        let result = load("a: 1\nb: [{x: 1, x: 2}, [}]\n")
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first.map { "\($0.line):\($0.column)" } == "2:20")
    }

    @Test("an undefined alias is reported where it is used")
    func undefinedAlias() {
        let result = load("name: shop\nstages: *missing\n")
        #expect(result.messages == ["2:9: invalid YAML: found undefined alias"])
    }
}
