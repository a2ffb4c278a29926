import Testing
@testable import PipelineModel

struct TerminalTextTests {
    static let everyControl = String(String.UnicodeScalarView(
        (Array(0x00...0x1F) + Array(0x7F...0x9F) + [0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202E, 0x2066, 0x2069])
            .compactMap(Unicode.Scalar.init)))

    @Test func aFieldShowsEveryControlCharacterEscapedOnOneLine() {
        let shown = TerminalText.field("note:" + Self.everyControl + "\u{1B}[2J\u{1B}]0;title\u{07}end")
        #expect(!shown.unicodeScalars.contains(where: TerminalText.isControl), "\(shown)")
        #expect(shown.hasPrefix(#"note:\x00\x01"#))
        #expect(shown.contains(#"\t\n\x0b\x0c\r"#))
        #expect(shown.contains(#"\e[2J\e]0;title\x07end"#))
        #expect(shown.contains(#"\x7f\x80"#) && shown.contains(#"\x9f\u{61c}"#) && shown.contains(#"\u{202e}"#))
    }

    @Test func outputKeepsLinesTabsAndColoursAndEscapesTheRest() {
        let text = "a\tb\r\nc \u{1B}[31mred\u{1B}[0m \u{1B}[2J \u{1B}]0;t\u{07} \r over \u{85}"
        #expect(TerminalText.output(text) == "a\tb\nc \u{1B}[31mred\u{1B}[0m " + #"\e[2J \e]0;t\x07 \r over \x85"#)
    }

    @Test func plainTextIsUnchanged() {
        for text in ["", "v12 ✓ passed — naïve café 🚀", "C:\\path\\to"] {
            #expect(TerminalText.field(text) == text && TerminalText.output(text) == text)
        }
    }
}
