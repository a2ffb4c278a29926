import PipelineModel
import StoreCore
import Testing

/// The retention rule on a known history: exactly which versions keep their artifacts and which blobs may go.
struct RetentionPlanTests {
    @Test func theNewestInFlightAndWhatRanLastInEachEnvironmentAreKeptAndSharedBlobsStay() {
        let deploys: [RetentionPlan.PassedDeploy] = [
            .init(id: 1, environment: "production", versionID: 1), .init(id: 2, environment: "sandbox", versionID: 2),
            .init(id: 3, environment: "sandbox", versionID: 3), .init(id: 4, environment: "production", versionID: 3),
            .init(id: 5, environment: "sandbox", versionID: 4), .init(id: 6, environment: "sandbox", versionID: 4),
        ]
        let artifacts: [(versionID: Int64, sha256: String, size: Int64)] = [
            (1, "a1", 10), (2, "a2", 20), (3, "a3", 30), (4, "a4", 40), (5, "shared", 50), (6, "a6", 60), (7, "a7", 70),
            (8, "shared", 50), (9, "a9", 90),
        ]
        let versions = (1...9).map { (id: Int64($0), inFlight: $0 == 6) }
        let plan = RetentionPlan.decide(Retention(versions: 2, logsSeconds: 60), versions: versions, passedDeploys: deploys,
                                        artifacts: artifacts, finishedLogs: [11: "logs/v2/commit/1/build.log"])
        // Newest 2: v9, v8. In flight: v6. Production runs v3 and may roll back to v1; sandbox runs v4 and may roll
        // back to v3 or v2.
        #expect(plan.keptVersions == [1, 2, 3, 4, 6, 8, 9])
        #expect(plan.collectedVersions == [5, 7])
        // v5's blob is also v8's: it stays.
        #expect(plan.blobs == ["a7": 70])
        #expect(plan.logs == [11: "logs/v2/commit/1/build.log"])
    }
}
