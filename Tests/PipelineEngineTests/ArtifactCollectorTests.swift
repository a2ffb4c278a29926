import Foundation
import PipelineEngine
import Testing

/// The commit stage's artifact globs collect regular files of the workspace and nothing reached around it.
struct ArtifactCollectorTests {
    let workspace = NSTemporaryDirectory() + "cdsh-collect-\(UUID().uuidString.prefix(8))"

    func make(_ layout: (String) throws -> Void) throws -> ArtifactCollector {
        try FileManager.default.createDirectory(atPath: "\(workspace)/dist", withIntermediateDirectories: true)
        try Data("app".utf8).write(to: URL(fileURLWithPath: "\(workspace)/dist/app.tgz"))
        try layout(workspace)
        return ArtifactCollector(workspace: workspace)
    }

    @Test func regularFilesOfTheWorkspaceAreCollected() throws {
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        let collector = try make { _ in }
        #expect(try collector.collect(["dist/*.tgz"]) == ["dist/app.tgz"])
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["dist/*.zip"]) }
    }

    @Test func aFolderLinkedOutsideTheWorkspaceIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        let collector = try make { root in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/outside", withDestinationPath: "/etc")
        }
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["outside/passwd"]) }
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["outside/host*"]) }
    }

    @Test func aChainOfLinksOutOfTheWorkspaceIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        let collector = try make { root in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/b", withDestinationPath: "/etc")
            try FileManager.default.createSymbolicLink(atPath: "\(root)/a", withDestinationPath: "b/")
        }
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["a/passwd"]) }
    }

    @Test func aLinkedFileAndEscapingPatternsAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: workspace) }
        let collector = try make { root in
            try FileManager.default.createSymbolicLink(atPath: "\(root)/dist/passwd", withDestinationPath: "/etc/passwd")
        }
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["dist/passwd"]) }
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["../*"]) }
        #expect(throws: ArtifactCollectionError.self) { try collector.collect(["/etc/passwd"]) }
    }
}
