import Foundation
import Testing
import TestSupport

/// Values named under `secrets:` reach the jobs that need them and never anything cdsh stores or prints.
struct SecretsTests {
    static let secret = "tok-Zq8/w+e=Secret?&42"

    static let pipeline = """
        name: secretive
        deploy: ./deploy.sh
        secrets: [DEPLOY_TOKEN]
        environments:
          production: {}
        stages:
          - name: commit
            jobs:
              build:
                secrets: [DEPLOY_TOKEN]
                run:
                  - echo "building with $DEPLOY_TOKEN"
                  - printf %s "$DEPLOY_TOKEN" | base64
                  - printf 'user:%s' "$DEPLOY_TOKEN" | base64 >&2
                  - echo ok > app.txt
                artifacts: [app.txt]
          - name: production
            environment: production
            jobs:
              smoke: 'echo "smoke $DEPLOY_TOKEN"; printf %s "$DEPLOY_TOKEN" | od -An -tx1 | tr -d " \\n"; echo; exit 3'
        """

    /// The secret as it would leak: raw, base64 (standard and URL alphabets, any alignment), hex, percent-encoded.
    static var forms: [String] {
        let bytes = Array(secret.utf8)
        var forms = [secret, bytes.map { String(format: "%02x", $0) }.joined()]
        for prefix in ["", "user:", "x"] {
            let encoded = Data((prefix + secret).utf8).base64EncodedString()
            let core = String(encoded.dropFirst(prefix.isEmpty ? 0 : 8).dropLast(4))
            forms.append(core)
        }
        forms.append(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        return forms.filter { $0.count >= 8 }
    }

    func leaks(in text: String) -> [String] { Self.forms.filter { text.contains($0) } }

    @Test func aDeclaredSecretIsMaskedInLogsShowAuditAndTheStateFolder() throws {
        let project = try ProjectFixture(
            files: ["cdsh.yml": Self.pipeline, "deploy.sh": "#!/bin/sh\necho \"deploying with token $DEPLOY_TOKEN\"\n"],
            executables: ["deploy.sh"])
        defer { project.remove() }
        project.environment["DEPLOY_TOKEN"] = Self.secret
        let run = try project.run("submit", "wait v1 --timeout 60s")
        #expect(run.status == 1, "the smoke job fails on purpose: \(run.stderr)")

        let build = try project.run("logs v1 commit build")
        #expect(build.stdout.contains("building with ****"), "\(build.stdout)")
        let smoke = try project.run("logs v1 production smoke")
        #expect(smoke.stdout.contains("smoke ****"), "\(smoke.stdout)")
        let deploy = try project.run("logs v1 production deploy")
        #expect(deploy.stdout.contains("deploying with token ****"), "\(deploy.stdout)")
        for output in [build, smoke, deploy, try project.run("show v1 --json"), try project.run("audit"),
                       try project.run("audit --json"), run] {
            #expect(leaks(in: output.stdout + output.stderr).isEmpty, "\(output.stdout)")
        }
        var checked = 0
        let state = "\(project.path)/.cdsh"
        for relative in FileManager.default.subpaths(atPath: state) ?? [] {
            guard let data = FileManager.default.contents(atPath: "\(state)/\(relative)") else { continue }
            let text = String(decoding: data, as: UTF8.self)
            #expect(leaks(in: text).isEmpty, "the secret is stored in .cdsh/\(relative)")
            checked += 1
        }
        #expect(checked >= 5)
    }

    static let scopedPipeline = """
        name: scoped
        deploy: ./deploy.sh
        secrets: [SHARED_TOKEN]
        environments:
          sandbox: {}
          production: {secrets: [PROD_TOKEN]}
        stages:
          - name: commit
            jobs:
              build: {run: ['echo "build sees [$SHARED_TOKEN] [$PROD_TOKEN] [$SIGNING_KEY]"'], artifacts: [deploy.sh]}
              sign: {run: ['echo "sign sees [$SIGNING_KEY] [$PROD_TOKEN]"'], secrets: [SIGNING_KEY]}
          - name: sandbox
            environment: sandbox
            jobs:
              smoke: 'echo "sandbox smoke sees [$SHARED_TOKEN] [$PROD_TOKEN]"'
          - name: production
            environment: production
            jobs:
              smoke: 'echo "production smoke sees [$PROD_TOKEN] [$SIGNING_KEY]"'
        """

    @Test func eachTaskGetsOnlyItsScopesSecretsAndAMissingOneStopsTheTaskWithTheRemedy() throws {
        let project = try ProjectFixture(
            files: ["cdsh.yml": Self.scopedPipeline,
                    "deploy.sh": "#!/bin/sh\necho \"deploying to $CDSH_ENVIRONMENT with [$SHARED_TOKEN] [$PROD_TOKEN] [$SIGNING_KEY]\"\n"],
            executables: ["deploy.sh"])
        defer { project.remove() }
        project.environment.merge(["SHARED_TOKEN": "shared-9f8e7d6c", "PROD_TOKEN": "prod-1a2b3c4d5e", "SIGNING_KEY": "sign-0z9y8x7w"]) { $1 }
        let run = try project.run("submit", "wait v1 --timeout 60s")
        #expect(run.status == 0, "\(run.stderr)")
        func log(_ arguments: String) throws -> String { try project.run("logs v1 \(arguments)").stdout }
        #expect(try log("commit build").contains("build sees [] [] []"))
        #expect(try log("commit sign").contains("sign sees [****] []"))
        #expect(try log("sandbox smoke").contains("sandbox smoke sees [****] []"))
        #expect(try log("sandbox deploy").contains("deploying to sandbox with [****] [] []"))
        #expect(try log("production deploy").contains("deploying to production with [****] [****] []"))
        #expect(try log("production smoke").contains("production smoke sees [****] []"))

        project.environment["PROD_TOKEN"] = nil
        // The engine that ran v1 keeps PROD_TOKEN until it stops once idle; the next one starts without it.
        for _ in 0..<100 where try ProcessRunner.run("/usr/bin/flock", ["-n", "\(project.path)/.cdsh/engine.lock", "true"]).status != 0 {
            usleep(100_000)
        }
        try project.commit(["NOTES.md": "2\n"], message: "second")
        let second = try project.run("submit", "wait v2 --timeout 60s")
        #expect(second.status == 1)
        #expect(second.stderr.contains("warning: secret PROD_TOKEN is not set in this shell's environment"), "\(second.stderr)")
        #expect(second.stderr.contains("secret PROD_TOKEN is not set in the engine's environment; export it where the engine starts"),
                "\(second.stderr)")
        #expect(second.stderr.contains("`rerun v2 production`"), "\(second.stderr)")
        let show = try project.json("show v2 --json")
        let stages = show["stages"] as? [[String: Any]] ?? []
        #expect(stages.map { $0["state"] as? String } == ["passed", "passed", "errored"], "\(stages)")
    }
}
