import Foundation
import Testing

/// The refusals not covered beside each command's success: every command says what is wrong and exits as SPEC §4
/// says (1 for what does not exist, 2 for usage, 4 for a gate).
@Suite(.serialized)
struct RefusalTests {
    @Test func everyCommandRefusesBadInputWithItsExitStatus() async throws {
        let shell = try CommandHarness()
        _ = await shell.run("submit")
        let cases: [(String, Int32, String)] = [
            ("submit no-such-revision", 1, "no-such-revision"),
            ("artifacts v9", 1, "no version v9"),
            ("diff v1 v9", 1, "no version v9"),
            ("reject v9 --reason no", 1, "no version v9"),
            ("audit v9", 1, "no version v9"),
            ("wait v1 staging", 2, "v1's plan has no stage `staging`"),
            ("wait v1 --timeout soon", 2, "soon"),
            ("status --limit -1", 2, "--limit"),
            ("queue --bogus", 2, "--bogus"),
            ("envs --bogus", 2, "--bogus"),
            ("show", 2, "VERSION"),
        ]
        for (line, status, words) in cases {
            let outcome = await shell.run(line)
            #expect(outcome.status == status, "\(line): \(String(describing: outcome.error))")
            #expect(outcome.error?.message.contains(words) == true, "\(line): \(String(describing: outcome.error))")
        }
        _ = await shell.run("cancel v1")
        let rejected = await shell.run("reject v1 --reason late")
        #expect(rejected.status == 4 && rejected.error?.message.contains("not awaiting approval") == true,
                "\(String(describing: rejected.error))")
    }
}
