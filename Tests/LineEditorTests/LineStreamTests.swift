import Foundation
import LineEditor
import Testing

/// Lines of a pipe in bounded memory: an over-long line is counted and skipped, never kept.
struct LineStreamTests {
    /// Every item `LineStream` gives for `bytes` written to a pipe, with a 16-byte limit.
    private func items(_ bytes: [UInt8]) throws -> [LineStream.Item] {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let writeEnd = ends[1]
        let writer = Thread {
            _ = bytes.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            close(writeEnd)
        }
        writer.start()
        defer { close(ends[0]) }
        let stream = LineStream(descriptor: ends[0], limit: 16)
        var items: [LineStream.Item] = []
        while true {
            let item = stream.next()
            items.append(item)
            if item == .end { return items }
        }
    }

    @Test func linesComeOneByOneAndALastLineWithoutANewlineCounts() throws {
        #expect(try items(Array("status\n\nshow v1\nqueue".utf8)) == [.line("status"), .line(""), .line("show v1"), .line("queue"), .end])
    }

    @Test func aLineOverTheLimitIsReportedByItsLengthAndTheNextLineStillReads() throws {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        #expect(try items(Array("a\n".utf8) + long + Array("\nb\n".utf8) + long) == [
            .line("a"), .unreadable(LineStream.tooLong(bytes: 100_000, limit: 16)), .line("b"),
            .unreadable(LineStream.tooLong(bytes: 100_000, limit: 16)), .end,
        ])
        #expect(LineStream.tooLong(bytes: 3_000_000) == "the line is 3000000 bytes long; a command line holds at most 1 MiB")
    }

    @Test func aLineThatIsNotUTF8IsSaidSoAndTheRestReads() throws {
        #expect(try items([0x61, 0xFF, 0x0A] + Array("ok\n".utf8)) == [.unreadable("the line is not UTF-8 text"), .line("ok"), .end])
    }
}
