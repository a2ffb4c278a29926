@testable import LineEditor
import Testing

/// Lines posted from another thread are printed sooner or later, never dropped; a prompt made for a prompt that
/// was answered meanwhile is dropped.
struct PromptMailboxTests {
    @Test func linesPostedForAnAnsweredPromptReachTheNextOne() {
        let mailbox = PromptMailbox()
        let first = mailbox.generation
        _ = mailbox.begin()
        #expect(!mailbox.send(lines: ["v3 production failed"], prompt: "shop ✗1 › ", generation: first),
                "the prompt was made for an answered prompt")
        #expect(mailbox.begin() == ["v3 production failed"], "the notice is printed before the next prompt")
        let current = mailbox.generation
        #expect(mailbox.send(lines: ["v4 commit passed"], prompt: "shop › ", generation: current))
        let post = mailbox.take()
        #expect(post.lines == ["v4 commit passed"] && post.prompt == "shop › ")
        #expect(mailbox.take().lines.isEmpty, "taken once")
    }
}
