import Foundation
import PipelineConfig
import Testing

/// Every file of Tests/Corpus/pipelines is refused with at least one error, each at a position inside the file.
struct MalformedCorpusTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Corpus/pipelines").path

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yml") }.sorted()
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files.count >= 40)
    }

    @Test(arguments: files)
    func aMalformedFileIsRefusedWithPositionedErrors(_ name: String) throws {
        let data = try #require(FileManager.default.contents(atPath: "\(Self.folder)/\(name)"))
        let text = String(decoding: data, as: UTF8.self)
        let result = PipelineLoader.load(text: text, file: name)
        #expect(result.plan == nil, "accepted")
        let errors = result.diagnostics.filter { $0.description.contains(": error: ") }
        #expect(!errors.isEmpty, "no error for \(name)")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
        for error in errors {
            #expect(error.line >= 1 && error.line <= lines + 1, "\(error.description)")
            #expect(error.column >= 1, "\(error.description)")
            #expect(error.description.hasPrefix("\(name):\(error.line):\(error.column): error: "), "\(error.description)")
            #expect(error.message.count > 10, "\(error.description)")
        }
    }
}
