import Foundation
import PipelineModel
import StoreCore

/// `gc [--yes]`: removes what the pipeline's `retention:` no longer keeps — artifacts of old versions, old logs —
/// never what an environment runs, what a rollback may return to, or anything of a version in flight.
enum GcCommand {
    /// A blob stored or reused this recently is left alone: a job may be storing it, its rows not yet recorded.
    static let recentSeconds: Double = 3600

    static let descriptor = CommandDescriptor(
        name: "gc", summary: "remove artifacts and logs that retention no longer keeps (a dry run without --yes)",
        details: "Keeps the artifacts of the newest `retention.versions` versions (50 unless cdsh.yml says), of every version in flight, and in each environment of the version running there and as many before it — what `rollback` may return to. Logs go `retention.logs` (90d) after their job ended. Records stay: versions, attempts, artifact rows and the audit log, which notes each gc. Without --yes it only says what it would remove.",
        options: [OptionSpec("--yes", summary: "remove it (without it, gc only says what it would remove)")]
    ) { invocation, context in
        let retention = try context.currentPlan().effectiveRetention
        let acting = invocation.flags.contains("--yes")
        // On a full disk gc is how space comes back: the room an idle engine keeps lets it open the store and
        // record itself.
        if acting { _ = try context.backend().releaseRecordingReserve() }
        let store = try await context.stateStore()
        let blobs = try await context.blobStore()
        let plan = try await store.retentionPlan(retention, now: context.now())
        // Counted first: what exists now, and what the audit entry says before anything goes.
        let planned = try await blobs.remove(digests: Set(plan.blobs.keys), unusedFor: recentSeconds, dryRun: true)
        let logFiles = plan.logs.values.map(store.resolvedPath).filter { FileManager.default.fileExists(atPath: $0) }
        let storedLogs = try await store.removeStoredLogs(ofTasks: Array(plan.logs.keys), dryRun: true)
        let anything = planned.count + logFiles.count + storedLogs > 0
        var removed = planned
        if acting && anything {
            let detail = [
                "artifacts": String(planned.count), "bytes": String(planned.bytes), "logs": String(logFiles.count + storedLogs),
                "versions": String(plan.collectedVersions.count), "keep": String(retention.versions),
                "logs-after": retention.logsText,
            ]
            try await store.recordCollection(who: context.who, detail: detail, now: context.now())
            removed = try await blobs.remove(digests: Set(plan.blobs.keys), unusedFor: recentSeconds, dryRun: false)
            for path in logFiles { try? FileManager.default.removeItem(atPath: path) }
            _ = try await store.removeStoredLogs(ofTasks: Array(plan.logs.keys), dryRun: false)
        }
        let logs = logFiles.count + storedLogs
        let kept = "the artifacts of \(plan.keptVersions.count) version\(plan.keptVersions.count == 1 ? "" : "s") — the newest "
            + "\(retention.versions), those in flight, and in each environment the one running there and the "
            + "\(retention.versions) before it"
        var lines: [String]
        if !anything {
            lines = ["gc: nothing to remove; retention keeps \(kept), and logs for \(retention.logsText)"]
        } else {
            lines = ["gc \(acting ? "removed" : "would remove"):"]
            if removed.count > 0 {
                lines.append("  \(removed.count) artifact file\(removed.count == 1 ? "" : "s") (\(byteText(removed.bytes))) of "
                             + "\(plan.collectedVersions.count) older version\(plan.collectedVersions.count == 1 ? "" : "s")")
            }
            if logs > 0 { lines.append("  \(logs) log\(logs == 1 ? "" : "s") of jobs that ended over \(retention.logsText) ago") }
            lines.append("kept: \(kept)")
            if !acting { lines.append("`gc --yes` removes it") }
        }
        return CommandResult(text: lines.joined(separator: "\n"), json: .object([
            ("removed", .bool(acting)), ("artifacts", .int(removed.count)), ("bytes", .int(removed.bytes)),
            ("logs", .int(logs)),
            ("collectedVersions", .array(plan.collectedVersions.map { .string("v\($0)") })),
            ("keptVersions", .array(plan.keptVersions.map { .string("v\($0)") })),
        ]))
    }

    /// `890.2 MB`, `12 KB`, `7 bytes`.
    static func byteText(_ bytes: Int64) -> String {
        switch bytes {
        case ..<1000: "\(bytes) byte\(bytes == 1 ? "" : "s")"
        case ..<1_000_000: String(format: "%.0f KB", Double(bytes) / 1e3)
        case ..<1_000_000_000: String(format: "%.1f MB", Double(bytes) / 1e6)
        default: String(format: "%.2f GB", Double(bytes) / 1e9)
        }
    }
}
