import PipelineModel

/// `verify VERSION`: checks the version's plan and artifact list against the audit chain and re-hashes the stored
/// artifacts; exit 4 when anything differs or is missing.
enum VerifyCommand {
    static let descriptor = CommandDescriptor(
        name: "verify", summary: "re-hash a version's stored artifacts and say which match",
        details: "Also checks the version's frozen plan and its artifact list (path, size, sha256) against what the audit log recorded when they were made: a row edited in the database fails verification as a changed file does.",
        arguments: [ArgumentSpec("VERSION", completion: .versions)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        let blobs = try await context.blobStore()
        var lines: [String] = []
        var entries: [JSONValue] = []
        var bad = 0
        let stored = try await store.artifacts(of: version.id!)
        let built = try await store.attempts(of: version.id!).contains { $0.stageIndex == 0 && $0.state == .passed }
        let untrusted = try await store.trustProblem(of: version, artifacts: built ? stored : nil)
        if let untrusted {
            bad += 1
            lines.append("MISMATCH  \(untrusted)")
        }
        for artifact in stored {
            let problem = await blobs.check(path: artifact.path, digest: artifact.sha256)
            if problem != nil { bad += 1 }
            let label = switch problem { case nil: "ok      "; case .missing?: "MISSING "; default: "MISMATCH" }
            lines.append("\(label)  \(TerminalText.field(artifact.path))  sha256:\(artifact.sha256.prefix(16))"
                         + (problem.map { "  \($0)" } ?? ""))
            entries.append(.object([("path", .string(artifact.path)), ("sha256", .string(artifact.sha256)),
                                    ("ok", .bool(problem == nil)), ("problem", .optional(problem?.description))]))
        }
        if entries.isEmpty, untrusted == nil { lines = ["\(version.name) has no artifacts to verify"] }
        return CommandResult(
            text: lines.joined(separator: "\n"),
            json: .object([("version", .string(version.name)), ("ok", .bool(bad == 0)), ("artifacts", .array(entries)),
                           ("records", .optional(untrusted))]),
            exitCode: bad == 0 ? 0 : ExitCode.refused,
            failure: untrusted.map { "\($0); \(version.name) will not be deployed" }
                ?? (bad == 0 ? nil : "\(bad) artifact\(bad == 1 ? "" : "s") of \(version.name) failed verification; it will not be deployed"))
    }
}
