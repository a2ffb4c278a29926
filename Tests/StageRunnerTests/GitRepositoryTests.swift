import Foundation
import StageRunner
import Testing
import TestSupport

/// Revisions reach git after `--end-of-options`: one that looks like an option is a revision that does not exist.
struct GitRepositoryTests {
    @Test func aRevisionLikeAnOptionIsNotAnOption() async throws {
        let folder = try TemporaryFolder("cdsh-git")
        defer { folder.remove() }
        try ProcessRunner.git(["init", "-q", "-b", "main"], in: folder.path)
        try folder.write("a.txt", "a\n")
        try ProcessRunner.git(["add", "-A"], in: folder.path)
        try ProcessRunner.git(["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "a"], in: folder.path)
        let repository = GitRepository(path: folder.path)
        let target = folder.path + "/written-by-git"
        for revision in ["--output=\(target)", "-o\(target)", "--help"] {
            await #expect(throws: GitError.self) { try await repository.resolveCommit(revision) }
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try await repository.resolveCommit("main").count == 40)
    }
}
