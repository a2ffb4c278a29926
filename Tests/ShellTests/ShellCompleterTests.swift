import Shell
import Testing

struct ShellCompleterTests {
    func completer() -> ShellCompleter {
        var snapshot = CompletionSnapshot()
        snapshot.versions = ["v12", "v11", "v3"]
        snapshot.stages = ["v12": ["commit", "sandbox", "production"]]
        snapshot.jobs = ["v12": ["sandbox": ["deploy", "smoke"]]]
        snapshot.environments = ["production", "sandbox"]
        snapshot.revisions = ["main", "hotfix/cve-1"]
        snapshot.awaitingApproval = ["v11"]
        snapshot.rerunnable = ["v3": ["sandbox"]]
        let completer = ShellCompleter()
        completer.update(snapshot)
        return completer
    }

    @Test func completesEachKindOfWord() {
        let table: [(String, String, [String])] = [
            ("", "", CommandTable.all.map(\.name)),
            ("re", "re", ["rerun", "reject", "report"]),
            ("status; sh", "sh", ["show"]),
            ("status; ", "", CommandTable.all.map(\.name)),
            ("show v1", "v1", ["v12", "v11"]),
            ("show la", "la", ["latest"]),
            ("logs v12 s", "s", ["sandbox"]),
            ("logs v12 sandbox ", "", ["deploy", "smoke"]),
            ("logs latest sandbox sm", "sm", ["smoke"]),
            ("rollback p", "p", ["production"]),
            ("submit hot", "hot", ["hotfix/cve-1"]),
            ("approve v12 --r", "--r", ["--reason"]),
            ("approve v12 --reason ", "", []),
            ("show v12 ", "", []),
            ("help wa", "wa", ["wait"]),
            ("nosuch ", "", []),
            ("approve v12 --reason 'open quote", "open quote", []),
            ("approve ", "", ["v11"]),
            ("reject v", "v", ["v11"]),
            ("rerun ", "", ["v3"]),
            ("rerun v3 ", "", ["sandbox"]),
            ("rerun v12 ", "", []),
            ("submit \"hot", "hot", ["hotfix/cve-1"]),
            ("show 'v1", "v1", ["v12", "v11"]),
        ]
        for (text, word, candidates) in table {
            let completion = completer().complete(text)
            #expect(completion.word == word, "\(text)")
            #expect(completion.candidates == candidates, "\(text)")
        }
    }

    @Test func aWordInsideAnOpenQuoteIsCompletedAndTheQuoteClosed() {
        #expect(completer().complete("submit \"hot").insertion == "fix/cve-1\" ")
        #expect(completer().complete("show 'v1").insertion == nil)
        #expect(completer().complete("show 'v3").insertion == "' ")
        #expect(completer().complete("submit hot").insertion == "fix/cve-1 ")
    }
}
