import PipelineModel

/// `verify VERSION`: re-hashes the stored artifacts; exit 4 when any differs or is missing.
enum VerifyCommand {
    static let descriptor = CommandDescriptor(
        name: "verify", summary: "re-hash a version's stored artifacts and say which match",
        arguments: [ArgumentSpec("VERSION", completion: .versions)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        let blobs = try await context.blobStore()
        var lines: [String] = []
        var entries: [JSONValue] = []
        var bad = 0
        for artifact in try await store.artifacts(of: version.id!) {
            let problem = await blobs.check(path: artifact.path, digest: artifact.sha256)
            if problem != nil { bad += 1 }
            lines.append("\(problem == nil ? "ok      " : "MISMATCH")  \(artifact.path)  sha256:\(artifact.sha256.prefix(16))"
                         + (problem.map { "  \($0)" } ?? ""))
            entries.append(.object([("path", .string(artifact.path)), ("sha256", .string(artifact.sha256)),
                                    ("ok", .bool(problem == nil)), ("problem", .optional(problem?.description))]))
        }
        if entries.isEmpty { lines = ["\(version.name) has no artifacts to verify"] }
        return CommandResult(
            text: lines.joined(separator: "\n"),
            json: .object([("version", .string(version.name)), ("ok", .bool(bad == 0)), ("artifacts", .array(entries))]),
            exitCode: bad == 0 ? 0 : ExitCode.refused,
            failure: bad == 0 ? nil : "\(bad) artifact\(bad == 1 ? "" : "s") of \(version.name) failed verification; it will not be deployed")
    }
}
