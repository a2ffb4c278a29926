import Foundation
import PipelineModel
import Testing

/// Foundation's file errors in the user's words: the path and the system's reason, never a domain or a code.
struct ErrorTextTests {
    @Test func aCopyOntoAnExistingFileSaysFileExistsNotCocoaCode516() throws {
        let folder = NSTemporaryDirectory() + "cdsh-errortext-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "a".write(toFile: "\(folder)/a", atomically: true, encoding: .utf8)
        try "b".write(toFile: "\(folder)/b", atomically: true, encoding: .utf8)
        let error = try #require(throws: (any Error).self) { try FileManager.default.copyItem(atPath: "\(folder)/a", toPath: "\(folder)/b") }
        let text = ErrorText.describe(error)
        #expect(text.hasSuffix("file exists"), "\(text)")
        // The random folder name may hold any digits: only the words after it are checked for a code.
        let words = text.replacingOccurrences(of: folder, with: "")
        #expect(!words.contains("NSCocoaErrorDomain") && !words.contains("516") && !words.contains("Code="), "\(text)")
    }

    @Test func aFolderThatCannotBeMadeIsSaidInWordsNotAsCocoaError512() throws {
        let folder = NSTemporaryDirectory() + "cdsh-errortext-\(UUID().uuidString)"
        try "a file".write(toFile: folder, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(throws: (any Error).self) {
            try FileManager.default.createDirectory(atPath: "\(folder)/logs", withIntermediateDirectories: true)
        }
        let text = ErrorText.describe(error)
        #expect(text.hasPrefix("\(folder)"), "\(text)")
        let words = text.replacingOccurrences(of: folder, with: "")
        #expect(!words.contains("NSCocoaErrorDomain") && !words.contains("512") && !words.contains("could not be completed"), "\(text)")
    }

    @Test func aMissingFileNamesThePathAndTheReason() throws {
        let error = try #require(throws: (any Error).self) { try Data(contentsOf: URL(fileURLWithPath: "/nonexistent/cdsh.yml")) }
        #expect(ErrorText.describe(error) == "/nonexistent/cdsh.yml: no such file or directory")
    }

    @Test func cdshsOwnErrorsSayTheirMessage() {
        struct Refusal: UserFacingError {
            var message: String { "v3 is not waiting for approval" }
            var hint: String? { nil }
            var exitCode: Int32 { ExitCode.refused }
        }
        #expect(ErrorText.describe(Refusal()) == "v3 is not waiting for approval")
    }
}
