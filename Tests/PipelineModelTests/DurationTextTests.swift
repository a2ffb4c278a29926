import PipelineModel
import Testing

struct DurationTextTests {
    @Test func parsesWhatPeopleWrite() {
        let table: [(String, Double?)] = [("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("250ms", 0.25), ("30d", 2_592_000), ("2w", 1_209_600),
                                          ("", nil), ("5", 5), ("2.5", 2.5), ("5x", nil), ("m", nil), ("1.2.3", nil)]
        for (text, expected) in table { #expect(DurationText.parse(text) == expected, "\(text)") }
    }

    @Test func formatsCompactly() {
        #expect(DurationText.format(seconds: 90) == "1m30s")
        #expect(DurationText.format(seconds: 3600) == "1h")
    }
}
