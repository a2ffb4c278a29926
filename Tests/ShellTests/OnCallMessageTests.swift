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
}
