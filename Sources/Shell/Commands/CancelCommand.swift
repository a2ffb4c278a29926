/// `cancel VERSION`: stops a version's queued and running work.
enum CancelCommand {
    static let descriptor = CommandDescriptor(
        name: "cancel", summary: "stop a version's queued and running work; it goes no further",
        details: "Running jobs get TERM (then KILL after a grace period) to their whole process group; queued stages and jobs and a waiting approval are dropped. The version cannot be rerun afterwards: submit its commit again.",
        arguments: [ArgumentSpec("VERSION", completion: .versions)]
    ) { invocation, context in
        let store = try await context.stateStore()
        let version = try await context.version(invocation["VERSION"]!)
        let summary = try await store.cancel(versionID: version.id!, who: context.who, now: context.now())
        try await context.kickEngine()
        var parts: [String] = []
        if summary.stopping > 0 { parts.append("\(summary.stopping) running job\(summary.stopping == 1 ? "" : "s") stopping") }
        if summary.dropped > 0 { parts.append("\(summary.dropped) queued item\(summary.dropped == 1 ? "" : "s") dropped") }
        return CommandResult(
            text: "\(version.name) cancelled" + (parts.isEmpty ? " before any of its jobs started" : ": " + parts.joined(separator: ", ")),
            json: .object([("version", .string(version.name)), ("cancelled", .bool(true)),
                           ("stopping", .int(summary.stopping)), ("dropped", .int(summary.dropped))]))
    }
}
