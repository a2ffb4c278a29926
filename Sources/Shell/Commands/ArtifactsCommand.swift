import PipelineModel
import StoreCore

/// `artifacts VERSION`: path, size, sha256 and provenance of each artifact.
enum ArtifactsCommand {
    static let descriptor = CommandDescriptor(
        name: "artifacts", summary: "path, size, sha256 and provenance of each artifact of a version",
        arguments: [ArgumentSpec("VERSION", completion: .versions)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        let artifacts = try await store.artifacts(of: version.id!)
        var lines = artifacts.map { artifact in
            "\(TerminalText.field(artifact.path))  \(artifact.size) bytes  sha256:\(artifact.sha256)\n"
                + "  built by job \(artifact.job) on \(artifact.host) from \(artifact.commitID.prefix(12)) at \(TimeText.clock(seconds: artifact.finishedAt)), exit \(artifact.exitCode)"
        }
        if lines.isEmpty { lines = ["\(version.name) has no artifacts yet (its commit stage has not passed)"] }
        return CommandResult(
            text: lines.joined(separator: "\n"),
            json: .object([("version", .string(version.name)),
                           ("artifacts", .array(artifacts.map(VersionReport.artifactJSON)))]))
    }
}
