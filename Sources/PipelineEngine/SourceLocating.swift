import Foundation
import StoreCore
import StageRunner

/// Where an engine finds a git repository holding a version's commit, to export it and check what it contains.
public protocol SourceLocating: Sendable {
    /// The path of a local repository that holds `version`'s commit.
    func repository(for version: VersionRecord) async throws -> String
}

/// The embedded store's engine runs on the machine the version was submitted from, beside its repository, which
/// the store records relative to the state folder (`StatePaths`).
public struct RecordedSource: SourceLocating {
    let stateFolder: String

    public init(stateFolder: String) {
        self.stateFolder = stateFolder
    }

    public func repository(for version: VersionRecord) async throws -> String {
        StatePaths.resolved(version.sourcePath, stateFolder: stateFolder)
    }
}

/// A team's engine keeps its own bare mirror of each source repository (a URL or a path every machine can
/// reach), cloned on first use and fetched when a version's commit is not in it yet.
public actor SourceMirrors: SourceLocating {
    /// Where the mirrors live, one bare repository per source.
    public let folder: String
    /// The latest work on each mirror: tasks wanting the same mirror take turns (no two clones or fetches race).
    private var latest: [String: Task<Void, Never>] = [:]
    /// Commits each mirror is known to hold (a mirror only grows), so later tasks of a version run no `git`.
    private var held: [String: Set<String>] = [:]

    /// Keeps the mirrors under `folder` (e.g. `ENGINE_CACHE/sources`).
    public init(folder: String) {
        self.folder = folder
    }

    public func repository(for version: VersionRecord) async throws -> String {
        let path = "\(folder)/\(ArtifactStore.hash(Data(version.sourcePath.utf8)).prefix(16)).git"
        if held[path]?.contains(version.commitID) == true { return path }
        let previous = latest[path], folder = self.folder
        let work = Task {
            await previous?.value
            try await Self.prepare(path, in: folder, for: version)
        }
        latest[path] = Task { _ = try? await work.value }
        try await work.value
        held[path, default: []].insert(version.commitID)
        return path
    }

    private static func prepare(_ path: String, in folder: String, for version: VersionRecord) async throws {
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let staging = "\(folder)/.clone-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: staging) }
            _ = try await GitRepository.cloneMirror(of: version.sourcePath, to: staging)
            guard rename(staging, path) == 0 else { throw GitError(description: "cannot keep the clone at \(path)") }
        }
        let repository = GitRepository(path: path)
        if try await !repository.hasCommit(version.commitID) {
            try await repository.fetch(toInclude: version.commitID)
        }
    }
}
