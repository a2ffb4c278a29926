import Foundation
import Testing
import TestSupport

/// Issue 18's notifications against a real HTTP server on 127.0.0.1: signed, delivered once per event and target,
/// retried until accepted, and delivered after the engine is killed between the event and its delivery.
@Suite(.serialized)
struct NotificationTests {
    static let secret = "s3cret-signing-key"

    static func files(notify: String) -> [String: String] {
        ["cdsh.yml": """
            name: heard
            notify:
            \(notify)
            stages:
              - name: commit
                jobs:
                  build:
                    run: ["echo building $CDSH_VERSION", "test ! -f broken || { echo 'compile error: broken on purpose'; exit 3; }",
                          "mkdir -p dist", "echo built > dist/app.txt"]
                    artifacts: [dist/app.txt]
              - name: production
                approval: manual
                jobs:
                  smoke: "true"
            """, "app.txt": "1\n"]
    }

    static func project(notify: String) throws -> ProjectFixture {
        let project = try ProjectFixture(files: files(notify: notify))
        project.environment["HOOK_SECRET"] = secret
        return project
    }

    @Test func aFailingVersionAndAnAwaitedApprovalEachArriveOnceSigned() throws {
        let server = try WebhookServer(secret: Self.secret)
        defer { server.stop() }
        let project = try Self.project(notify: "  - {on: [failed, awaiting-approval], webhook: \"\(server.url())\", secret: HOOK_SECRET}")
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0)
        try project.commit(["broken": "yes\n"], message: "break the build")
        #expect(try project.run("submit", "wait v2 --timeout 60s").status == 1)

        let requests = server.waitFor { $0.count >= 2 }
        usleep(2_000_000)  // a second delivery of either would have arrived by now
        let all = server.requests
        #expect(all.count == 2, "\(all)")
        let events = all.compactMap { ($0["body"] as? [String: Any]).map { "\($0["event"] ?? "") \($0["version"] ?? "")" } }
        #expect(Set(events) == ["awaiting-approval v1", "failed v2"], "\(events)")
        #expect(all.allSatisfy { $0["signature_ok"] as? Bool == true }, "every body is signed with the declared secret")
        let failed = try #require(all.compactMap { $0["body"] as? [String: Any] }.first { $0["event"] as? String == "failed" })
        #expect(failed["stage"] as? String == "commit" && failed["job"] as? String == "build", "\(failed)")
        #expect((failed["log_tail"] as? [String])?.contains("compile error: broken on purpose") == true, "\(failed)")
        #expect((failed["text"] as? String)?.hasPrefix("heard v2 failed at commit: build: `test ! -f broken") == true, "\(failed)")
        #expect((failed["text"] as? String)?.contains("exited with 3\n```\n") == true, "the log tail follows the text")
        _ = requests

        let listed = try project.run("notifications")
        #expect(listed.stdout.contains("failed") && listed.stdout.contains("awaiting-approval"), "\(listed.stdout)")
        #expect(listed.stdout.contains("webhook http://127.0.0.1:\(server.port)/…") && !listed.stdout.contains("/hook"),
                "a webhook's path may hold a token: only its host is shown: \(listed.stdout)")
        #expect(listed.stdout.components(separatedBy: "delivered (1 try)").count == 3, "\(listed.stdout)")
    }

    @Test func anEndpointThatFailsThreeTimesGetsTheEventOnceItAccepts() throws {
        let server = try WebhookServer(secret: Self.secret, failing: 3)
        defer { server.stop() }
        let project = try Self.project(notify: "  - {on: [awaiting-approval], webhook: \"\(server.url())\", secret: HOOK_SECRET}")
        defer { project.remove() }
        #expect(try project.run("submit", "wait v1 --timeout 60s").status == 0, "the pipeline does not wait for the endpoint")
        let requests = server.waitFor(seconds: 40) { $0.contains { $0["status"] as? Int == 200 } }
        #expect(requests.map { $0["status"] as? Int ?? 0 } == [500, 500, 500, 200], "\(requests)")
        #expect(Set(requests.compactMap { $0["delivery"] as? String }).count == 1, "the same delivery each time")
        #expect(requests.allSatisfy { $0["signature_ok"] as? Bool == true })
        usleep(1_500_000)
        #expect(server.requests.count == 4, "nothing more once accepted")
        let listed = try project.run("notifications")
        #expect(listed.stdout.contains("delivered (4 tries)"), "\(listed.stdout)")
    }

    @Test func theEngineKilledBetweenTheEventAndItsDeliveryStillDeliversItOnce() throws {
        let server = try WebhookServer(secret: Self.secret)
        defer { server.stop() }
        let project = try Self.project(notify: "  - {on: [awaiting-approval], webhook: \"\(server.url())\", secret: HOOK_SECRET}")
        defer { project.remove() }
        // The engine this submit starts dies (SIGKILL) once it has claimed the notification, before sending it.
        let submitted = try project.cdsh(["-c", "submit"], extra: ["CDSH_TEST_CRASH_AT": "before-delivery"])
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let pid = try #require(ProjectFixture.pid(inFile: "\(project.path)/.cdsh/engine.lock"))
        let deadline = Date().addingTimeInterval(30)
        while ProjectFixture.isRunning(pid) && Date() < deadline { usleep(50_000) }
        #expect(!ProjectFixture.isRunning(pid), "the engine died at the crash point")
        #expect(server.requests.isEmpty, "nothing was sent before it died")

        // The next command finds a notification still to deliver and no engine: it starts one, which delivers it.
        #expect(try project.run("status").status == 0)
        server.waitFor { !$0.isEmpty }
        usleep(2_000_000)
        let requests = server.requests
        #expect(requests.count == 1 && requests.first?["event"] as? String == "awaiting-approval", "\(requests)")
        #expect(requests.first?["signature_ok"] as? Bool == true)
    }

    @Test func aCommandGetsTheEventOnItsStandardInput() throws {
        let project = try Self.project(notify: """
              - {on: [awaiting-approval, live], run: 'cat > "$NOTIFY_OUT/$CDSH_EVENT-$CDSH_DELIVERY.json"; env > "$NOTIFY_OUT-env-$CDSH_DELIVERY"'}
              - {on: [live], webhook: $UNUSED_HOOK_URL, secret: HOOK_SECRET}
            """)
        defer { project.remove() }
        let out = project.path + "-notified"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        project.environment["NOTIFY_OUT"] = out
        project.environment["UNUSED_HOOK_URL"] = "http://127.0.0.1:9/secret-token"
        defer { for id in 1...9 { try? FileManager.default.removeItem(atPath: "\(project.path)-notified-env-\(id)") } }
        #expect(try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason ok", "wait v1 --timeout 60s").status == 0)
        let deadline = Date().addingTimeInterval(30)
        var names: [String] = []
        repeat {
            usleep(100_000)
            names = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).sorted()
        } while names.count < 2 && Date() < deadline
        #expect(names.map { $0.components(separatedBy: "-").dropLast().joined(separator: "-") } == ["awaiting-approval", "live"],
                "\(names)")
        let live = try #require(names.first { $0.hasPrefix("live") })
        // `cat` has created the file, not necessarily filled it: the command writes its env file once `cat` is done.
        let delivery = live.dropFirst("live-".count).dropLast(".json".count)
        let written = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: "\(out)-env-\(delivery)"), Date() < written { usleep(50_000) }
        // The command sees no secret: not the webhook's signing key, not a variable naming a webhook's URL.
        let environment = try String(contentsOfFile: "\(out)-env-1", encoding: .utf8)
        #expect(environment.contains("CDSH_EVENT=awaiting-approval") && environment.contains("NOTIFY_OUT="))
        #expect(!environment.contains("HOOK_SECRET") && !environment.contains(Self.secret) && !environment.contains("UNUSED_HOOK_URL"),
                "\(environment)")
        let event = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/\(live)"))) as? [String: Any]
        #expect(event?["version"] as? String == "v1" && event?["text"] as? String == "heard v1 is live in production", "\(String(describing: event))")
    }

    @Test func threeTeamEnginesOnPostgreSQLDeliverEachEventOnce() async throws {
        let server = try WebhookServer(secret: Self.secret)
        defer { server.stop() }
        let cluster = try PostgresCluster.shared.get()
        let url = try cluster.freshDatabaseURL()
        let project = try Self.project(notify: "  - {on: [awaiting-approval], webhook: \"\(server.url())\", secret: HOOK_SECRET}")
        defer { project.remove() }
        let folder = project.path + "-team"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        project.environment["CDSH_STATE"] = url
        let engines = try ["east", "west", "north"].map { try TeamEngine(name: $0, url: url, folder: folder, grace: 10, project: project) }
        defer { engines.forEach { $0.stop() } }
        for number in 1...10 {
            try project.commit(["app.txt": "change \(number)\n"], message: "change \(number)")
            #expect(try project.run("submit").status == 0)
        }
        for number in 1...10 {
            let waited = try project.run("wait v\(number) --timeout 90s")
            #expect(waited.status == 0, "v\(number): \(waited.stderr)")
        }
        let requests = server.waitFor(seconds: 30) { $0.count >= 10 }
        try await Task.sleep(for: .seconds(2))
        let versions = server.requests.compactMap { ($0["body"] as? [String: Any])?["version"] as? String }
        if versions.count != 10 || Set(versions).count != 10 {
            // Seen once under the parallel suites: v6 delivered twice. Whether it was one notification sent twice
            // (a retry) or two notifications, and which engines sent it, is what to look at.
            let sent = server.requests.map { "\(($0["body"] as? [String: Any])?["version"] ?? "-") #\($0["delivery"] ?? "-")" }
            let outbox = try Psql(url: url).rows("""
                SELECT id, version_id, event, state, attempts, last_error, created_at, delivered_at FROM notification ORDER BY id
                """)
            let logs = engines.map { engine in
                ((try? String(contentsOfFile: "\(folder)/cache-\(engine.name)/engine.log", encoding: .utf8)) ?? "(none)")
                    .split(separator: "\n").filter { $0.contains("notification") }.joined(separator: "\n")
            }
            Issue.record(Comment(rawValue: "one delivery per version, whichever engine: \(sent)\noutbox: \(outbox)\n"
                                 + logs.joined(separator: "\n")))
        }
        #expect(requests.allSatisfy { $0["signature_ok"] as? Bool == true })
    }
}
