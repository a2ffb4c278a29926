import Foundation
import PipelineConfig
import PipelineModel
import Testing

@Suite("Parity warnings")
struct ParityWarningTests {
    static let pipeline = commitStage + """
          - name: sandbox
            environment: sandbox
            jobs: {smoke: ./smoke.sh}
        deploy: ./deploy.sh
        environments:
          sandbox:
            traits: {database: sqlite-3, runtime: python-3.11}
          perf:
            traits: {runtime: python-3.12, database: postgres-15, cpus: 8}
          qa:
            traits: {database: postgres-15, runtime: python-3.11}
          production:
            traits: {database: postgres-15, runtime: python-3.11}

        """

    @Test("each environment whose traits differ from production's gets one warning listing the keys")
    func traitDifferences() throws {
        let result = load(Self.pipeline)
        #expect(result.errors.isEmpty)
        #expect(result.lines == [
            "cdsh.yml:11:3: warning: environment `sandbox` differs from production in traits: "
                + "database (sqlite-3 vs postgres-15); the sandbox should mirror production",
            "cdsh.yml:13:3: warning: environment `perf` differs from production in traits: "
                + "cpus (8 vs not declared), runtime (python-3.12 vs python-3.11); `perf` should mirror production",
        ])
        #expect(result.warnings.allSatisfy { $0.severity == .warning })
        let plan = try #require(result.plan, "warnings do not make the plan nil")
        #expect(plan.environment(named: "sandbox")?.traits == ["database": "sqlite-3", "runtime": "python-3.11"])
    }

    @Test("without an environment named production, the last stage's environment is production (one definition)")
    func productionIsTheLastStagesEnvironment() throws {
        let result = load(Self.pipeline.replacingOccurrences(of: "  production:", with: "  live:"))
        #expect(result.errors.isEmpty)
        #expect(try #require(result.plan).productionEnvironment == "sandbox")
        #expect(result.warnings.map(\.message).map { String($0.prefix(while: { $0 != ":" })) } == [
            "environment `perf` differs from production in traits",
            "environment `qa` differs from production in traits",
            "environment `live` differs from production in traits",
        ])
    }

    @Test("warnings and errors come together in file order")
    func warningsWithErrors() {
        let result = load(Self.pipeline + "colour: red\n")
        #expect(result.plan == nil)
        #expect(result.errors.map(\.line) == [19])
        #expect(result.warnings.map(\.line) == [11, 13])
        #expect(result.diagnostics.map(\.line) == [11, 13, 19])
    }
}
