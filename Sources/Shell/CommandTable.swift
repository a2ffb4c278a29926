import PipelineModel

/// The one list of commands: dispatch, `help`, completion and docs/commands.md all read it.
public enum CommandTable {
    public static let all: [CommandDescriptor] = [
        StatusCommand.descriptor, SubmitCommand.descriptor, PatchCommand.descriptor, ShowCommand.descriptor, LogsCommand.descriptor,
        ArtifactsCommand.descriptor, VerifyCommand.descriptor, DiffCommand.descriptor, DecisionCommands.rerun,
        DecisionCommands.approve, DecisionCommands.reject, CancelCommand.descriptor, WaitCommand.descriptor,
        QueueCommand.descriptor, EnvsCommand.descriptor, EnvCommand.descriptor, RollbackCommand.descriptor,
        ParityCommand.descriptor, AuditCommand.descriptor, HistoryCommand.descriptor, CheckCommand.descriptor, GcCommand.descriptor,
        PollCommand.descriptor, HooksCommand.descriptor, NotificationsCommand.descriptor, StatsCommand.descriptor,
        ReportCommand.descriptor, HelpCommand.descriptor,
        HelpCommand.exit, HelpCommand.quit,
    ]

    /// The command called `name`; an unknown name is a usage error with a "did you mean".
    public static func lookup(_ name: String, column: Int?) throws -> CommandDescriptor {
        if let command = all.first(where: { $0.name == name }) { return command }
        let hint = Suggestion.closest(to: name, in: all.map(\.name)).map { "did you mean `\($0)`?" }
        throw ShellError.usage("unknown command `\(name)`", hint: hint ?? "`help` lists the commands", column: column)
    }
}
