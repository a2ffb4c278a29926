import PipelineModel
import StoreCore

/// What `report --html` shows, read from the store (each part in one read; a version submitted meanwhile may show
/// in one part and not another): the figures `stats` computes, the pipeline's
/// stages and environments with what runs where now, the newest versions with their attempts and jobs, and the
/// audit log's newest entries.
struct ReportContent: Sendable {
    /// A version with what it went through.
    struct VersionRow: Sendable {
        var version: VersionRecord
        var details: VersionDetails
    }

    var title: String
    var generatedAt: Double
    var stats: DeliveryStats
    /// The plan the pipeline file holds now; nil when it cannot be read (the report then shows the stages the
    /// history names).
    var plan: PipelinePlan?
    /// Each environment's newest passed deploy.
    var current: [DeployRecord]
    /// Newest first.
    var versions: [VersionRow]
    /// Oldest first.
    var audit: [AuditEntry]
}
