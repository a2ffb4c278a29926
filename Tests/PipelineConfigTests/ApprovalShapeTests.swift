import Foundation
import PipelineConfig
import PipelineModel
import Testing

/// `approval: manual` and the four-eyes mapping form.
struct ApprovalShapeTests {
    static func pipeline(_ approval: String) -> String {
        """
        name: shop
        deploy: ./deploy.sh
        environments:
          production: {}
        stages:
          - name: commit
            jobs:
              build: {run: make, artifacts: [dist/app]}
          - name: production
            environment: production
            approval: \(approval)
            jobs:
              smoke: ./smoke.sh
        """
    }

    @Test func theMappingFormTurnsOnFourEyes() throws {
        let result = PipelineLoader.load(text: Self.pipeline("{required: manual, distinct_from_submitter: true}"), file: "cdsh.yml")
        let plan = try #require(result.plan, "\(result.diagnostics)")
        #expect(plan.stages[1].approval == .manual)
        #expect(plan.stages[1].distinctApprover)
        let plain = try #require(PipelineLoader.load(text: Self.pipeline("manual"), file: "cdsh.yml").plan)
        #expect(!plain.stages[1].distinctApprover)
    }

    @Test func theSpecFormAsksForSeveralDifferentApproversWithinATime() throws {
        let result = PipelineLoader.load(text: Self.pipeline("{manual: true, approvers: 2, separate: true, expires: 24h}"),
                                         file: "cdsh.yml")
        let stage = try #require(result.plan, "\(result.diagnostics)").stages[1]
        #expect(stage.approval == .manual && stage.distinctApprover && stage.requiredApprovers == 2)
        #expect(stage.approvalExpirySeconds == 24 * 3600)
    }

    @Test func mistakesInTheMappingFormArePointedAt() {
        let table: [(String, String)] = [
            ("{required: manual, distinct_from_submiter: true}", "cdsh.yml:11:34: error: unknown key `distinct_from_submiter`"),
            ("{distinct_from_submitter: true}", "cdsh.yml:11:5: error: the approval of stage `production` has no `manual`"),
            ("{manual: true, approvers: 0}", "cdsh.yml:11:41: error: `approvers` must be a whole number from 1 to 9, not `0`"),
            ("{manual: true, approvers: two}", "cdsh.yml:11:41: error: `approvers` must be a whole number from 1 to 9"),
            ("{manual: true, expires: soon}", "cdsh.yml:11:39: error: invalid expires `soon`"),
            ("{manual: false, approvers: 2}", "cdsh.yml:11:31: error: `approvers` needs a manual gate"),
            ("{required: manual, distinct_from_submitter: maybe}", "cdsh.yml:11:59: error: `distinct_from_submitter` must be true or false"),
            ("{required: manuel}", "cdsh.yml:11:26: error: invalid approval `manuel`"),
        ]
        for (approval, expected) in table {
            let result = PipelineLoader.load(text: Self.pipeline(approval), file: "cdsh.yml")
            #expect(result.plan == nil, "\(approval)")
            #expect(result.errors.contains { $0.description.hasPrefix(expected) }, "\(approval): \(result.errors)")
        }
    }

    @Test func plansFrozenBeforeFourEyesStillDecode() throws {
        let json = #"{"name":"p","approval":"manual","jobs":[{"name":"j","commands":["true"],"artifacts":[],"timeoutSeconds":60}]}"#
        let stage = try JSONDecoder().decode(StageSpec.self, from: Data(json.utf8))
        #expect(!stage.distinctApprover)
    }
}
