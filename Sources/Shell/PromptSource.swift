import Foundation
import LineEditor
import PipelineModel
import Synchronization

/// The prompt and the notices to print above it, read from the store as they are now: before each prompt, and
/// every second while the shell is idle so that an idle prompt shows a stage ending as it happens.
final class PromptSource: Sendable {
    private let context: SessionContext
    private let pipeline: String
    let notices = NoticeTracker()
    /// The prompt on screen, and whether the shell is waiting for a line (not running a command).
    private let shown = Mutex((prompt: "", idle: false))

    init(context: SessionContext, pipeline: String) {
        self.context = context
        self.pipeline = pipeline
    }

    /// Notices not yet printed, and the prompt as the store's counts make it now.
    func read() async -> (notices: [String], prompt: String) {
        let store = try? await context.stateStore()
        await context.settleDeadEngine()
        let notices = await notices.notices(store: store)
        let counts = try? await store?.counts(recent: 20)
        var waiting: [WaitingWork] = []
        if let store, let counts, counts.running > 0 {
            waiting = (try? await WaitReasonText.waiting(store: store, jobLimit: WaitReasonText.jobLimit(context))) ?? []
        }
        let prompt = PromptBuilder.prompt(pipeline: pipeline, counts: counts, held: PromptBuilder.held(waiting),
                                          engineStopped: context.engineStopped != nil,
                                          unplaced: PromptBuilder.unplaced(waiting), style: context.style)
        return (notices, prompt)
    }

    /// Records that `prompt` is being shown and the shell waits for a line.
    func showing(_ prompt: String) {
        shown.withLock { $0 = (prompt, true) }
        context.lineEditing(true)
    }

    /// Records that a command runs: nothing is posted until the next prompt.
    func busy() {
        shown.withLock { $0.idle = false }
        context.lineEditing(false)
    }

    /// Every `interval` while idle, posts new notices and a changed prompt to `mailbox` (which keeps the notices
    /// for the next prompt if this one was answered meanwhile). Runs until cancelled.
    func refresh(into mailbox: PromptMailbox, every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard shown.withLock({ $0.idle }) else { continue }
            let generation = mailbox.generation
            let (notices, prompt) = await read()
            let changed = shown.withLock { $0.idle && $0.prompt != prompt }
            guard !notices.isEmpty || changed else { continue }
            // Notices are printed in any case; the prompt only if it is still the one on screen.
            if mailbox.send(lines: notices.map(TerminalText.output), prompt: changed ? prompt : nil, generation: generation), changed {
                shown.withLock { $0.prompt = prompt }
            }
        }
    }
}
