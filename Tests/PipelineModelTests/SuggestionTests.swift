import PipelineModel
import Testing

struct SuggestionTests {
    @Test func aSwapOfTwoLettersIsOneEdit() {
        #expect(Suggestion.distance("stauts", "status") == 1)
        #expect(Suggestion.distance("stauts", "stats") == 1)
        #expect(Suggestion.distance("kitten", "sitting") == 3)
    }

    @Test func equallyCloseCandidatesPreferTheOneOfTheWordsLength() {
        #expect(Suggestion.closest(to: "stauts", in: ["stats", "status"]) == "status")
        #expect(Suggestion.closest(to: "stast", in: ["stats", "status"]) == "stats")
    }
}
