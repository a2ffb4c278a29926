import PipelineConfig
import Testing

@Suite("Durations")
struct DurationTests {
    @Test("valid durations", arguments: [
        ("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("2h15s", 7215),
        ("1h1m1s", 3661), ("30m0s", 1800), ("0h5m", 300), ("007s", 7), ("120m", 7200),
    ])
    func valid(text: String, seconds: Int) {
        #expect(PipelineLoader.parseDuration(text) == seconds)
    }

    @Test("invalid or zero durations", arguments: [
        "", "90", "m", "10", "0s", "0h0m", "10 m", " 10m", "10m ", "1.5h", "-5m", "+5m", "10M", "1d",
        "30m1h", "1h1h", "10ms", "1h30", "h1", "١٠m", "99999999999999999999h", "9223372036854775807h",
    ])
    func invalid(text: String) {
        #expect(PipelineLoader.parseDuration(text) == nil)
    }
}
