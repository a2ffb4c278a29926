import LineEditor
import Testing

struct CompletionTests {
    @Test func aUniqueCandidateCompletesWithASpace() {
        #expect(Completion(word: "sta", candidates: ["status"]).insertion == "tus ")
    }

    @Test func severalCandidatesExtendToTheirCommonPrefixOrList() {
        #expect(Completion(word: "r", candidates: ["rerun", "reject"]).insertion == "e")
        #expect(Completion(word: "re", candidates: ["rerun", "reject"]).insertion == nil)
        #expect(Completion(word: "v", candidates: ["v12", "v11"]).commonPrefix == "v1")
        #expect(Completion(word: "x", candidates: []).insertion == nil)
    }
}
