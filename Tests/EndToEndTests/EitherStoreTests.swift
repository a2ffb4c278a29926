import Foundation
import Testing
import TestSupport

/// Every scripted command, the same script and the same expectations, on the embedded SQLite store and on a
/// team's PostgreSQL store (with one `cdsh engine --name` process).
@Suite(.serialized)
struct EitherStoreTests {
    enum Store: String, CaseIterable { case sqlite, postgres }

    static let files = [
        "cdsh.yml": """
            name: either
            deploy: ./deploy.sh
            environments:
              sandbox: {config: sandbox.env}
              production: {config: production.env}
            stages:
              - name: commit
                jobs:
                  build: {run: [mkdir -p dist, "cp change.txt dist/app.txt"], artifacts: [dist/*.txt]}
              - name: sandbox
                environment: sandbox
                jobs:
                  smoke: "echo smoke of $CDSH_VERSION"
              - name: production
                environment: production
                approval: manual
                jobs:
                  smoke: "true"
            """,
        "sandbox.env": "REPLICAS=1\n",
        "production.env": "REPLICAS=3\n",
        "change.txt": "0\n",
        "deploy.sh": """
            #!/bin/sh
            mkdir -p "$DEPLOY_ROOT/$CDSH_ENVIRONMENT"
            echo "$CDSH_VERSION" > "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/version"
            echo "deployed $CDSH_VERSION to $CDSH_ENVIRONMENT"
            """,
    ]

    @Test(arguments: Store.allCases)
    func everyCommandAnswersAlike(_ store: Store) async throws {
        let project = try ProjectFixture(files: Self.files, executables: ["deploy.sh"])
        defer { project.remove() }
        var engine: TeamEngine?
        if store == .postgres {
            project.environment["CDSH_STATE"] = try PostgresCluster.shared.get().freshDatabaseURL()
            engine = try TeamEngine(name: "solo", url: project.environment["CDSH_STATE"]!, folder: project.path + "-engine",
                                    grace: 30, project: project)
        }
        defer {
            engine?.stop()
            try? FileManager.default.removeItem(atPath: project.path + "-engine")
        }
        let reviewer = ["CDSH_USER": "reviewer"]
        func deployed(_ environment: String) -> String? {
            (try? String(contentsOfFile: "\(project.deployRoot)/\(environment)/version", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        let first = try project.run("submit", "wait v1 --timeout 60s")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("v1 awaits approval for production"))
        #expect(try project.cdsh(["-c", "approve v1 --reason first", "-c", "wait v1 --timeout 60s"], extra: reviewer).status == 0)
        try project.commit(["change.txt": "1\n"], message: "change")
        #expect(try project.run("submit", "wait v2 --timeout 60s").status == 0)
        #expect(try project.cdsh(["-c", "approve v2 --reason second", "-c", "wait v2 --timeout 60s"], extra: reviewer).status == 0)
        #expect(deployed("production") == "v2")

        let status = try project.json("status --json")
        #expect((status["versions"] as? [[String: Any]])?.count == 2)
        #expect((status["environments"] as? [String: Any])?["production"] as? String == "v2")
        let show = try project.json("show v2 --json")
        #expect((show["stages"] as? [[String: Any]])?.map { $0["state"] as? String } == ["passed", "passed", "passed"])
        let ranBy = Set((show["stages"] as? [[String: Any]] ?? []).flatMap { $0["jobs"] as? [[String: Any]] ?? [] }
            .map { $0["engine"] as? String ?? "-" })
        #expect(ranBy == (store == .postgres ? ["solo"] : ["-"]), "a team's tasks say which engine ran them")
        let envs = try project.json("envs --json")
        #expect((envs["environments"] as? [[String: Any]])?.first { $0["name"] as? String == "production" }?["version"]
                as? String == "v2")
        #expect((try project.json("env production --json")["deploys"] as? [[String: Any]])?.count == 2)
        #expect((try project.json("artifacts v2 --json")["artifacts"] as? [[String: Any]])?.count == 1)
        #expect(try project.run("verify v2").status == 0)
        #expect((try project.json("diff v1 v2 --json")["commits"] as? [Any])?.count == 1)
        #expect(try project.json("parity sandbox production --json")["differences"] as? Int == 1, "REPLICAS differs")
        #expect(try project.run("logs v2 sandbox").stdout.contains("smoke of v2"))
        if store == .postgres {
            // Seen from another machine: the engine's log files are not here, the copy in the store is.
            try FileManager.default.removeItem(atPath: project.path + "-engine/cache-solo/logs")
            #expect(try project.run("logs v2 sandbox").stdout.contains("smoke of v2"))
            #expect(try project.run("logs v2 sandbox --follow").stdout.contains("smoke of v2"))
        }
        #expect((try project.json("queue --json")["queue"] as? [Any])?.isEmpty == true)

        let rollback = try project.cdsh(["-c", "rollback production --reason 'bad release'"], extra: reviewer)
        #expect(rollback.status == 0, "\(rollback.stderr)")
        let rolledBack = Date().addingTimeInterval(60)
        while deployed("production") != "v1", Date() < rolledBack { try await Task.sleep(for: .milliseconds(50)) }
        #expect(deployed("production") == "v1")

        let patch = try project.run("patch HEAD --reason 'CVE-2026-1: fix'", "wait v3 --timeout 60s")
        #expect(patch.status == 0, "\(patch.stderr)")
        #expect(try project.cdsh(["-c", "approve v3 --reason ship", "-c", "wait v3 --timeout 60s"], extra: reviewer).status == 0)
        #expect(deployed("production") == "v3")
        let refused = try project.cdsh(["-c", "rollback production v1 --reason again"], extra: reviewer)
        #expect(refused.status == 4, "v1 lacks the live patch: \(refused.stderr)")

        let gc = try project.json("gc --yes --json")
        #expect(gc["artifacts"] as? Double == 0 && gc["logs"] as? Double == 0, "the standard retention keeps all of it: \(gc)")
        #expect((gc["keptVersions"] as? [String])?.count == 3)
        #expect(try project.run("verify v1").status == 0)

        #expect(try project.run("submit", "cancel v4").status == 0)
        #expect(try project.run("show v9").status == 1)
        #expect(try project.run("approve v2 --reason late").status == 4)
        let audit = try project.json("audit --verify --json")
        #expect(audit["verified"] as? Bool == true)
        #expect((audit["entries"] as? Int ?? 0) >= 20, "--verify counts the entries it checked")
    }

    @Test func aTeamStoreThatCannotBeReachedIsNamedWithTheReason() throws {
        let project = try ProjectFixture(files: Self.files, executables: ["deploy.sh"])
        defer { project.remove() }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        let port = UInt16(bigEndian: address.sin_port)
        close(listener)  // nothing listens there now
        let result = try project.cdsh(["-c", "status"], extra: ["CDSH_STATE": "postgres://cdsh@127.0.0.1:\(port)/pipelines"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("cannot open the state store at postgres://cdsh@127.0.0.1:\(port)/pipelines"))
        #expect(result.stderr.contains("Connection refused"), "the reason, not the pool's circuit breaker: \(result.stderr)")
        #expect(result.stderr.contains("cannot reach the PostgreSQL server at 127.0.0.1:\(port)"), "\(result.stderr)")
        #expect(!result.stderr.contains("SingleConnectionFailure"), "postgres-nio's own words: \(result.stderr)")
    }
}
