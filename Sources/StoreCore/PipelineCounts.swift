/// What the interactive prompt shows about the pipeline.
public struct PipelineCounts: Sendable, Equatable {
    /// Versions the engine still has work for.
    public var running: Int
    /// Recent versions stopped at some stage.
    public var stopped: Int
    /// Versions waiting for a person's approval.
    public var awaitingApproval: Int
    /// Security versions not yet through the pipeline.
    public var patches: [PatchInFlight]

    /// The counts as a store read them.
    public init(running: Int, stopped: Int, awaitingApproval: Int, patches: [PatchInFlight]) {
        self.running = running
        self.stopped = stopped
        self.awaitingApproval = awaitingApproval
        self.patches = patches
    }
}

/// A security version on its way, and the stage whose approval it waits for, if any.
public struct PatchInFlight: Sendable, Equatable {
    public var versionID: Int64
    public var awaitingApprovalAt: String?

    /// A patch, and the stage it waits at for approval (nil while it moves).
    public init(versionID: Int64, awaitingApprovalAt: String?) {
        self.versionID = versionID
        self.awaitingApprovalAt = awaitingApprovalAt
    }
}
