import Foundation
import Testing

/// What the on-call engineer reads: each message says the one thing needed, lined up at any name length.
@Suite(.serialized)
struct OnCallMessageTests {
    @Test func aShortEnvironmentNameSuggestsTheOneItAbbreviatesAndListsEachOnce() async throws {
        let shell = try await ReadCommandTests.history()
        let typo = await shell.run("env prod")
        #expect(typo.status == 1)
        #expect(typo.error?.hint == "did you mean `production`?", "\(String(describing: typo.error))")
        let unknown = await shell.run("env staging")
        #expect(unknown.error?.hint == "environments: sandbox, production", "\(String(describing: unknown.error))")
    }

    @Test func auditVerifyAnswersInOneLineAndShowsABreakWithItsNeighbours() async throws {
        let shell = try await ReadCommandTests.history()
        let verified = await shell.run("audit --verify")
        #expect(verified.status == 0)
        #expect(verified.text.split(separator: "\n").count == 1, "\(verified.text)")
        #expect(verified.text.hasPrefix("audit chain verified: "), "\(verified.text)")
        let json = verified.result?.json.rendered() ?? ""
        #expect(json.contains(#""verified":true"#) && !json.contains(#""hash""#), "\(json)")
    }

    @Test func auditColumnsStayApartForLongUserNames() async throws {
        let shell = try await ReadCommandTests.history()
        shell.who = "release-manager-one"
        _ = await shell.run("approve v3 --reason 'ship it'")
        let audit = await shell.run("audit")
        let line = try #require(audit.text.split(separator: "\n").last { $0.contains("approve") })
        #expect(line.contains("release-manager-one  approve"), "\(audit.text)")
        for row in audit.text.split(separator: "\n") {
            let fields = row.split(separator: "  ", omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            #expect(fields.count == 6, "id, time, who, action, version and detail stay apart: \(row)")
        }
    }

    @Test func envsIsOneLinePerEnvironmentAndEnvListsTheArtifacts() async throws {
        let shell = try await ReadCommandTests.history()
        let envs = await shell.run("envs")
        let lines = envs.text.split(separator: "\n")
        #expect(lines.count == 2, "\(envs.text)")
        #expect(lines.first { $0.hasPrefix("production") }?.contains("1 artifact") == true, "\(envs.text)")
        #expect(!envs.text.contains("dist/app.tgz"))
        let production = await shell.run("env production")
        #expect(production.text.contains("dist/app.tgz  sha256:"), "\(production.text)")
    }

    @Test func aStageNotInThePlanIsAUsageErrorForEveryCommandThatTakesOne() async throws {
        let shell = try await ReadCommandTests.history()
        for command in ["rerun v3 nosuch", "logs v3 nosuch", "wait v3 nosuch", "logs v3 prod", "rerun v3 sandbx"] {
            let refused = await shell.run(command)
            #expect(refused.status == 2, "\(command): \(String(describing: refused.error))")
            #expect(refused.error?.message.hasPrefix("v3's plan has no stage") == true, "\(command)")
        }
        #expect((await shell.run("rerun v3 sandbx")).error?.hint == "did you mean `sandbox`?")
        #expect((await shell.run("logs v3 nosuch")).error?.hint == "its stages: commit, sandbox, production, rollback")
    }

    @Test func eachRefusalSaysWhatToDoNext() async throws {
        let shell = try await ReadCommandTests.history()
        let notRun = await shell.run("logs v3 production")
        #expect(notRun.status == 1, "a stage that ran nothing has no log to print")
        #expect(notRun.error?.message == "v3 `production` has not run anything yet: it is awaiting-approval")
        #expect(notRun.error?.hint == "`approve v3 --reason …` lets it run")
        let passed = await shell.run("approve v1 --reason again")
        #expect(passed.status == 4)
        #expect(passed.error?.hint == "nothing of it waits for a person; `show v1` says where it is",
                "\(String(describing: passed.error))")
        #expect((await shell.run("wait v3 --timeout 1")).status == 0, "a bare number is seconds")
        shell.who = "bob"
        _ = await shell.run("reject v3 --reason 'not today'")
        let rejected = await shell.run("logs v3 production")
        #expect(rejected.error?.message == "v3 `production` ran nothing: it is rejected (rejected by bob: not today)",
                "\(String(describing: rejected.error))")
        #expect(rejected.error?.hint == nil, "nothing to wait for")
        shell.who = "alice"
        _ = await shell.run("submit")
        let cancelled = await shell.run("cancel v4")
        #expect(cancelled.text.hasPrefix("v4 cancelled"), "\(cancelled.text) \(String(describing: cancelled.error))")
        #expect(!cancelled.text.contains(" 0 "), "no zero counts: \(cancelled.text)")
    }
}
