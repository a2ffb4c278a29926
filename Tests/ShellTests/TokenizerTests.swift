import Shell
import Testing

struct TokenizerTests {
    func words(_ line: String) throws -> [[String]] {
        try Tokenizer.commands(in: line).map { $0.map(\.text) }
    }

    @Test func quotingCommentsAndSemicolons() throws {
        #expect(try words("status") == [["status"]])
        #expect(try words(#"approve v3 --reason "looks good; ship""#) == [["approve", "v3", "--reason", "looks good; ship"]])
        #expect(try words("approve v3 --reason 'it''s'") == [["approve", "v3", "--reason", "its"]])
        #expect(try words(#"a\ b c"#) == [["a b", "c"]])
        #expect(try words(#"say "a \"q\" b""#) == [["say", #"a "q" b"#]])
        #expect(try words("status; show v1 ;; envs") == [["status"], ["show", "v1"], ["envs"]])
        #expect(try words("show v1 # the first one") == [["show", "v1"]])
        #expect(try words("   # only a comment") == [])
        #expect(try words("status\nshow v1 # the first\nenvs") == [["status"], ["show", "v1"], ["envs"]],
                "a newline in a -c string separates commands as `;` does")
        #expect(try words("submit --note 'two\nlines'") == [["submit", "--note", "two\nlines"]])
        #expect(try words("status # x\r\nqueue\r\nenvs") == [["status"], ["queue"], ["envs"]], "CRLF ends a line too")
        #expect(try words("show a#b") == [["show", "a#b"]])
        #expect(try words("") == [])
    }

    @Test func tokensKeepTheirColumns() throws {
        let tokens = try Tokenizer.commands(in: "  show   'v 1'")[0]
        #expect(tokens.map(\.column) == [3, 10])
    }

    @Test func anUnterminatedQuoteIsAUsageErrorPointingAtIt() {
        do {
            _ = try Tokenizer.commands(in: #"approve v1 --reason "oops"#)
            Issue.record("expected an error")
        } catch let error as ShellError {
            #expect(error.exitCode == 2)
            #expect(error.column == 21)
            #expect(error.message.contains("unterminated"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

struct EchoQuotingTests {
    @Test func echoedWordsCanBeTypedBackIn() throws {
        let words = ["approve", "v1", "--reason", "it's fine; ship", ""]
        let line = words.map(ScriptSession.quotedForEcho).joined(separator: " ")
        #expect(try Tokenizer.commands(in: line).first?.map(\.text) == words)
    }
}
