import Foundation
import Testing
@testable import StageRunner

struct ExecutableSearchTests {
    @Test func findsTheFirstExecutableFileOnThePath() throws {
        let folder = NSTemporaryDirectory() + "cdsh-search-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for sub in ["plain", "folder/tool", "run"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/plain/tool"))
        try Data("#!/bin/sh\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/run/tool"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(folder)/run/tool")
        // Skipped: a relative entry, a missing folder, a file without the execute bit, a folder named like the tool.
        let path = "relative:\(folder)/missing:\(folder)/plain:\(folder)/folder:\(folder)/run:/bin"
        #expect(ExecutableSearch.find("tool", path: path) == "\(folder)/run/tool")
        #expect(ExecutableSearch.find("no-such-program-here", path: path) == nil)
        #expect(ExecutableSearch.find("sh", path: "/bin") == "/bin/sh")
    }
}
