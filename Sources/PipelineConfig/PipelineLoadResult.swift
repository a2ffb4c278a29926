import PipelineModel

/// What loading a pipeline file produced: the plan when the file is valid, and every problem found.
public struct PipelineLoadResult: Sendable {
    /// The validated plan; `nil` if and only if there is at least one error.
    public var plan: PipelinePlan?
    /// Errors and warnings in file order (line, then column).
    public var diagnostics: [Diagnostic]
    /// `trigger:` and `source:` as read even when other parts of the file have errors: a commit with an invalid
    /// file is still seen on the branches it would follow, and refused with the file's errors.
    public var trigger: Trigger?
    public var source: String?
    /// `notify:` as read even when other parts of the file have errors: where a refused commit is reported.
    public var notify: [NotifyTarget]?
    /// `name:` as read even when other parts of the file have errors.
    public var pipelineName: String?

    /// Creates a result from a plan and its diagnostics.
    public init(plan: PipelinePlan?, diagnostics: [Diagnostic]) {
        self.plan = plan
        self.diagnostics = diagnostics
    }

    /// The diagnostics with severity `.error`.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    /// The diagnostics with severity `.warning`.
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
}
