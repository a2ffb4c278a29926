import PipelineConfig
import PipelineModel
import Testing

@Suite("Paths stay inside the repository")
struct RepositoryPathRuleTests {
    static func pipeline(deploy: String, config: String) -> String {
        "name: shop\ndeploy: \(deploy)\nenvironments:\n  production: {config: \(config)}\n"
            + "stages:\n  - name: commit\n    jobs:\n      build: {run: make, artifacts: [dist/*]}\n  - name: production\n    environment: production\n"
            + "    jobs:\n      smoke: 'true'\n"
    }

    @Test("a config file outside the repository is an error at its value",
          arguments: [("../secrets.env", "leaves the repository with `..`"), ("config/../../x.env", "leaves the repository with `..`"),
                      ("/etc/passwd", "is absolute; it must be a path inside the repository"),
                      ("~/prod.env", "is absolute; it must be a path inside the repository")])
    func configOutside(path: String, problem: String) {
        let result = load(Self.pipeline(deploy: "./deploy.sh", config: path))
        #expect(result.plan == nil)
        #expect(result.messages == ["4:24: config file `\(path)` of environment `production` \(problem)"])
    }

    @Test("a deploy script named by an escaping path is an error", arguments: ["../ops/deploy.sh", "scripts/../../deploy.sh"])
    func deployOutside(command: String) {
        let result = load(Self.pipeline(deploy: command, config: "config/production.env"))
        #expect(result.plan == nil)
        #expect(result.messages.count == 1 && result.messages[0].hasPrefix("2:9: deploy script `"), "\(result.messages)")
    }

    @Test("paths inside the repository, programs on PATH and absolute programs load",
          arguments: ["./deploy.sh", "scripts/deploy.sh prod", "make deploy", "/usr/local/bin/ship --prod"])
    func inside(command: String) {
        let result = load(Self.pipeline(deploy: command, config: "config/production.env"))
        #expect(result.plan != nil, "\(result.lines)")
    }
}
