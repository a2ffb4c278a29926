import PipelineModel
import Foundation

/// Why a job's declared artifacts could not be collected.
public struct ArtifactCollectionError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Finds the files a commit-stage job's artifact globs match in its workspace.
public struct ArtifactCollector: Sendable {
    public let workspace: String

    public init(workspace: String) {
        self.workspace = workspace
    }

    /// Workspace-relative paths of the regular files the patterns match, sorted; throws when a pattern matches
    /// nothing, or matches a symbolic link or a path outside the workspace.
    public func collect(_ patterns: [String]) throws -> [String] {
        var found = Set<String>()
        for pattern in patterns {
            let matches = try expand(pattern)
            if matches.isEmpty {
                throw ArtifactCollectionError(description: "artifact pattern `\(pattern)` matched no file in the workspace")
            }
            found.formUnion(matches)
        }
        return found.sorted()
    }

    private func expand(_ pattern: String) throws -> [String] {
        guard !pattern.hasPrefix("/"), !pattern.split(separator: "/").contains("..") else {
            throw ArtifactCollectionError(description: "artifact pattern `\(pattern)` must stay inside the workspace")
        }
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob("\(workspace)/\(pattern)", 0, nil, &result)
        guard status == 0 else { return [] }
        var paths: [String] = []
        let root = RepositoryPath.realPath(workspace) ?? workspace
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                throw ArtifactCollectionError(description: "artifact \(path.dropFirst(workspace.count + 1)) is a symbolic link; artifacts must be regular files")
            }
            guard type == S_IFREG else { continue }
            let resolved = RepositoryPath.realPath(path) ?? path
            guard resolved.hasPrefix(root + "/") else {
                throw ArtifactCollectionError(description: "artifact \(path.dropFirst(workspace.count + 1)) is reached through a symbolic link to \(resolved), outside the workspace; artifacts must be files of the workspace")
            }
            paths.append(String(path.dropFirst(workspace.count + 1)))
        }
        return paths
    }

}
