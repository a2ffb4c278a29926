import Foundation
import Testing
import TestSupport

/// Every job and deploy runs in a checkout of exactly its version's commit, outside the user's work tree: what a
/// build stamps from `git rev-parse HEAD` is the version's commit wherever the version goes.
struct ExactCheckoutTests {
    static let files: [String: String] = [
        "cdsh.yml": """
            name: stamped
            deploy: ./scripts/deploy.sh
            environments:
              sandbox: {}
              production: {}
            stages:
              - name: commit
                jobs:
                  build:
                    run:
                      - test -z "$(git status --porcelain)"
                      - test "$(git rev-parse --show-toplevel)" = "$PWD"
                      - mkdir -p dist && git rev-parse HEAD > dist/built-from
                      - git describe --always --dirty >> dist/built-from
                    artifacts: [dist/built-from]
              - name: sandbox
                environment: sandbox
                jobs:
                  smoke: ./scripts/record.sh smoke
              - name: production
                environment: production
                approval: manual
                jobs:
                  smoke: ./scripts/record.sh smoke
            """,
        "scripts/record.sh": """
            #!/bin/sh
            set -eu
            mkdir -p "$DEPLOY_ROOT/heads"
            git rev-parse HEAD > "$DEPLOY_ROOT/heads/$CDSH_VERSION-$CDSH_ENVIRONMENT-$1"
            """,
        "scripts/deploy.sh": """
            #!/bin/sh
            set -eu
            ./scripts/record.sh deploy
            head -n 1 "$CDSH_ARTIFACTS/dist/built-from" > "$DEPLOY_ROOT/heads/$CDSH_VERSION-$CDSH_ENVIRONMENT-artifact"
            """,
    ]

    @Test func aPatchBuiltFromAHotfixBranchIsStampedWithItsOwnCommitInEveryEnvironment() throws {
        let project = try ProjectFixture(files: Self.files, executables: ["scripts/record.sh", "scripts/deploy.sh"])
        defer { project.remove() }
        let released = try ProcessRunner.git(["rev-parse", "HEAD"], in: project.path)
        let first = try project.run("submit", "wait v1 --timeout 60s", "approve v1 --reason release", "wait v1 --timeout 60s")
        #expect(first.status == 0, "\(first.stderr)")

        var commits = ["v1": released]
        for index in 2...3 {
            commits["v\(index)"] = try project.commit(["README": "feature \(index)\n"], message: "feature \(index)")
        }
        #expect(try project.run("submit HEAD~1", "submit HEAD").status == 0)
        let inFlight = try project.run("wait v2 --timeout 120s", "wait v3 --timeout 120s")
        #expect(inFlight.stdout.contains("v3 awaits approval for production"), "\(inFlight.stderr)")
        try ProcessRunner.git(["checkout", "-q", "-b", "hotfix/cve", released], in: project.path)
        commits["v4"] = try project.commit(["SECURITY": "fixed\n"], message: "fix the CVE")
        try ProcessRunner.git(["checkout", "-q", "main"], in: project.path)
        try project.commit(["README": "main moves on\n"], message: "main moves on")
        try project.folder.write("README", "an edit nobody committed\n")

        let patched = try project.run("patch hotfix/cve --reason 'CVE: fix'", "wait v4 --timeout 120s",
                                      "approve v4 --reason 'ship the fix'", "wait v4 --timeout 120s")
        #expect(patched.status == 0, "\(patched.stderr)")
        #expect(try project.run("wait v2").stderr.contains("v2 is blocked"), "without the fix, v2 never reaches production")

        let heads = "\(project.deployRoot)/heads"
        for (version, environments) in [("v1", ["sandbox", "production"]), ("v2", ["sandbox"]), ("v3", ["sandbox"]),
                                        ("v4", ["sandbox", "production"])] {
            for environment in environments {
                for step in ["artifact", "deploy", "smoke"] {
                    let recorded = try? String(contentsOfFile: "\(heads)/\(version)-\(environment)-\(step)", encoding: .utf8)
                    #expect(recorded == commits[version]! + "\n", "\(version) \(environment) \(step)")
                }
            }
        }
        let built = try project.run("logs v4 commit").stdout
        #expect(!built.contains("dirty"), "the checkout is clean: \(built)")
    }

    @Test func aJobSeesNeitherTheWorkTreeNorAGitDirectoryItsShellInherited() throws {
        var files = Self.files
        files["cdsh.yml"] = """
            name: confined
            stages:
              - name: commit
                jobs:
                  look:
                    run: ['git branch --list --all; git log --oneline | wc -l; ls -a; echo "[$GIT_DIR]"', touch made]
                    artifacts: [made]
            """
        let project = try ProjectFixture(files: files)
        defer { project.remove() }
        try ProcessRunner.git(["checkout", "-q", "-b", "feature/secret-plan"], in: project.path)
        try project.commit(["plan.txt": "secret\n"], message: "second")
        try project.folder.write("uncommitted.txt", "draft\n")
        let result = try project.cdsh(["-c", "submit HEAD~1", "-c", "wait v1 --timeout 60s"],
                                      extra: ["GIT_DIR": "\(project.path)/.git"])
        #expect(result.status == 0, "\(result.stderr)")
        let log = try project.run("logs v1 commit").stdout
        #expect(log.contains("(HEAD detached at"), "\(log)")
        #expect(!log.contains("feature/secret-plan") && !log.contains("main"), "no branch of the work tree: \(log)")
        #expect(!log.contains("uncommitted.txt") && !log.contains("plan.txt") && !log.contains(".cdsh"), "\(log)")
        #expect(log.contains("\n1\n"), "history ends at the version's commit: \(log)")
        #expect(log.contains("[]"), "GIT_DIR is not inherited: \(log)")
    }
}
