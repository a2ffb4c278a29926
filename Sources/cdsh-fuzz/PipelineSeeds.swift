/// Valid pipeline files the mutator starts from.
enum PipelineSeeds {
    static let all = [
        """
        name: shop
        source: .
        deploy: ./scripts/deploy.sh
        secrets: [API_TOKEN]
        environments:
          sandbox: {config: config/sandbox.env, traits: {database: postgres-15}}
          perf: {config: config/perf.env, traits: {database: postgres-15}}
          production: {config: config/production.env, traits: {database: postgres-15}}
        stages:
          - name: commit
            jobs:
              build: {run: [make build, make test], artifacts: [dist/*.tar.gz]}
          - name: sandbox
            environment: sandbox
            jobs:
              smoke: ./scripts/smoke.sh
          - name: specialist
            jobs:
              load: {run: ./scripts/load.sh, environment: perf, timeout: 10m}
              security: ./scripts/pentest.sh
          - name: production
            environment: production
            approval: {required: manual, distinct_from_submitter: true}
            jobs:
              smoke: ./scripts/smoke.sh
        """,
        """
        name: tiny
        stages:
          - name: commit
            jobs:
              build:
                run: |
                  make
                  make test
                artifacts: ["out/*"]
                timeout: 1h30m
        """,
    ]
}
