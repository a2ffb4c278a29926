import Foundation
import Testing
import TestSupport

/// The example service (examples/shop) delivered by the built binary: every stage, real servers on loopback.
struct ExampleProjectTests {
    @Test func theShopGoesToProductionAndServesTheVersionItWasBuiltAs() throws {
        let project = try ProjectFixture(copying: "\(ProjectFixture.repositoryRoot)/examples/shop")
        project.environment["CDSH_DEPLOY_ROOT"] = project.deployRoot
        defer {
            _ = try? ProcessRunner.run("/bin/sh", ["\(project.path)/scripts/stop-all.sh", project.deployRoot])
            project.remove()
        }
        let first = try project.run("submit", "wait v1 --timeout 3m")
        let logs = try project.run("logs v1 sandbox", "logs v1 specialist").stdout
        #expect(first.status == 0, "\(first.stderr)\n\(logs)")
        #expect(first.stdout.contains("v1 awaits approval for production"))
        let approved = try project.run("approve v1 --reason 'all checks passed'", "wait v1 --timeout 3m")
        #expect(approved.status == 0, "\(approved.stderr)")

        let show = try project.json("show v1 --json")
        let stages = (show["stages"] as? [[String: Any]] ?? []).map { $0["name"] as? String ?? "" }
        #expect(stages == ["commit", "sandbox", "specialist", "production"])
        let digest = try #require(((show["artifacts"] as? [[String: Any]])?.first)?["sha256"] as? String)
        let installed = "\(project.deployRoot)/production/releases/v1"
        #expect(FileManager.default.fileExists(atPath: installed), "the deploy installs into a per-environment folder")
        let port = try String(contentsOfFile: "\(project.deployRoot)/production/port", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let health = try ProcessRunner.run("/usr/bin/python3", ["-c", """
            import json, urllib.request
            print(json.load(urllib.request.urlopen("http://127.0.0.1:\(port)/health", timeout=5))["version"])
            """])
        #expect(health.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "v1")
        let envs = try project.json("envs --json")
        for environment in envs["environments"] as? [[String: Any]] ?? [] {
            #expect((environment["artifacts"] as? [String: String])?["dist/shop.tar.gz"] == digest,
                    "\(environment["name"] ?? "?") runs the artifact the commit stage built")
        }
    }
}
