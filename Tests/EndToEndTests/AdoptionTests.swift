import Foundation
import Testing
import TestSupport

/// Adopting cdsh on a repository with history: an older commit has no cdsh.yml, and `submit REV --pipeline FILE`
/// takes it through the pipeline with today's file, recorded as such.
struct AdoptionTests {
    static let pipeline = """
        name: adopted
        deploy: 'mkdir -p "$DEPLOY_ROOT" && cp "$CDSH_ARTIFACTS/dist/app.txt" "$DEPLOY_ROOT/$CDSH_ENVIRONMENT.txt"'
        environments:
          production: {}
        stages:
          - name: commit
            jobs:
              build: {run: ["mkdir -p dist", "cp app.txt dist/app.txt"], artifacts: [dist/app.txt]}
          - name: production
            environment: production
            jobs:
              smoke: 'test -s "$DEPLOY_ROOT/production.txt"'
        """

    @Test func anOlderCommitWithoutAPipelineFileGoesThroughWithTheOneGivenAtSubmit() throws {
        let project = try ProjectFixture(files: ["app.txt": "release 0.9\n"])
        defer { project.remove() }
        let old = try ProcessRunner.git(["rev-parse", "HEAD"], in: project.path)
        try project.commit(["cdsh.yml": Self.pipeline, "app.txt": "release 1.0\n"], message: "adopt cdsh")

        let refused = try project.run("submit \(old)")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("has no cdsh.yml") && refused.stderr.contains("--pipeline cdsh.yml"), "\(refused.stderr)")
        let missing = try project.run("submit \(old) --pipeline nowhere.yml")
        #expect(missing.status == 2 && missing.stderr.contains("nowhere.yml") && missing.stderr.contains("cannot read the pipeline file"),
                "\(missing.stderr)")

        let adopted = try project.run("submit \(old) --pipeline cdsh.yml", "wait v1 --timeout 60s")
        #expect(adopted.status == 0, "\(adopted.stderr)")
        #expect(try String(contentsOfFile: "\(project.deployRoot)/production.txt", encoding: .utf8) == "release 0.9\n",
                "the old commit's files were built and deployed")
        #expect(try project.run("show v1").stdout.contains("plan        from cdsh.yml, given at submit (not the commit's own)"))
        #expect(try project.json("show v1 --json")["plan_origin"] as? String == "cdsh.yml")
        #expect(try project.run("audit v1").stdout.contains("given at submit"))
        #expect(try project.json("show v1 --json")["commit"] as? String == old)
        let own = try project.run("submit HEAD --pipeline cdsh.yml")
        #expect(own.status == 1 && own.stderr.contains("has its own cdsh.yml; --pipeline is for a commit without one"),
                "a reviewed plan is never replaced by an uncommitted file: \(own.stderr)")
    }
}
