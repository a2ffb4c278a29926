import PipelineConfig
import PipelineModel

/// Loads pipeline text under the file name `cdsh.yml`.
func load(_ text: String) -> PipelineLoadResult {
    PipelineLoader.load(text: text, file: "cdsh.yml")
}

extension PipelineLoadResult {
    /// Every diagnostic as printed: `cdsh.yml:LINE:COLUMN: SEVERITY: MESSAGE; HINT`.
    var lines: [String] { diagnostics.map(\.description) }

    /// Every diagnostic's position and message, without the hint.
    var messages: [String] { diagnostics.map { "\($0.line):\($0.column): \($0.message)" } }
}

/// The smallest valid pipeline with one more top-level line (`trigger: …`, `notify: …`) on line 2.
func minimalPipeline(with line: String) -> String {
    """
    name: shop
    \(line)
    stages:
      - name: commit
        jobs:
          build: {run: make, artifacts: [dist/*]}
    """
}

/// The example from SPEC §2.
let specExample = """
    name: shop                          # required
    source: .                           # git work tree whose commits become versions
    deploy: ./scripts/deploy.sh         # ONE deploy command for every environment
    environments:
      sandbox:
        config: config/sandbox.env      # a file in the version's source tree
        traits: {database: postgres-15, runtime: python-3.11}
      perf:
        config: config/perf.env
        traits: {database: postgres-15, runtime: python-3.11}
      production:
        config: config/production.env
        traits: {database: postgres-15, runtime: python-3.11}
    stages:
      - name: commit                    # the first stage is the commit stage
        jobs:
          build:
            run: [make build, make test]          # a job is one command or a list run in order
            artifacts: [dist/*.tar.gz]             # globs, relative to the job's workspace
      - name: sandbox
        environment: sandbox            # the version's artifacts are deployed here before the jobs run
        jobs:
          smoke: ./scripts/smoke.sh
      - name: specialist
        jobs:                           # specialist tests side by side
          load: {run: ./scripts/load.sh, environment: perf, timeout: 10m}
          security: ./scripts/pentest.sh
          accessibility: ./scripts/a11y.sh
      - name: production
        environment: production
        approval: manual                # waits for `approve`
        jobs:
          smoke: ./scripts/smoke.sh

    """

/// A valid commit stage to put in front of the stages a test is about (lines 1–5).
let commitStage = """
    name: shop
    stages:
      - name: commit
        jobs:
          build: {run: make, artifacts: [dist/*]}

    """
