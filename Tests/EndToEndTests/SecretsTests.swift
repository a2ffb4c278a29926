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
}
