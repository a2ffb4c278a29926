import PipelineModel
import Testing

/// `notify:` in cdsh.yml: which events go where.
struct NotifyRuleTests {
    static func pipeline(_ notify: String) -> String {
        minimalPipeline(with: "notify: \(notify)")
    }

    @Test func webhooksAndCommandsReadBack() throws {
        let result = load(Self.pipeline(
            #"[{on: [failed, awaiting-approval], webhook: "https://hooks.example.com/cdsh", secret: HOOK_KEY}, {on: live, run: "mail -s live ops"}, {webhook: $SLACK_URL}]"#))
        #expect(result.errors.isEmpty, "\(result.lines)")
        let notify = try #require(result.plan?.notify)
        #expect(notify == [
            NotifyTarget(events: [.failed, .awaitingApproval], webhook: "https://hooks.example.com/cdsh", secret: "HOOK_KEY"),
            NotifyTarget(events: [.live], run: "mail -s live ops"),
            NotifyTarget(webhook: "$SLACK_URL"),
        ])
        #expect(notify[2].wants(.rollback) && !notify[1].wants(.failed), "no `on`: every event")
    }

    @Test func everyMistakeIsReportedAtItsPosition() {
        #expect(load(Self.pipeline("[{on: [fialed], webhook: 'https://x.example'}]")).lines == [
            "cdsh.yml:2:16: error: unknown event `fialed` in `notify`; did you mean `failed`?",
        ])
        #expect(load(Self.pipeline("[{on: [failed], webhook: 'ftp://x.example'}]")).messages == [
            "2:34: `ftp://x.example` is not an http(s) URL or `$NAME`",
        ])
        #expect(load(Self.pipeline("[{on: [failed]}]")).messages == ["2:10: a `notify` entry needs `webhook` or `run`"])
        #expect(load(Self.pipeline("[{webhook: 'https://x.example', run: 'true'}]")).messages == [
            "2:10: a `notify` entry has either `webhook` or `run`, not both",
        ])
        #expect(load(Self.pipeline("[{run: 'true', secret: KEY}]")).messages == ["2:10: `secret` signs a webhook's body; this entry has none"])
        #expect(load(Self.pipeline("[{webhook: 'https://x.example', secret: 'not a name'}]")).messages == [
            "2:49: `not a name` is not an environment variable's name",
        ])
        #expect(load(Self.pipeline("{webhook: 'https://x.example'}")).errors.count == 1, "a list, not one mapping")
    }
}
