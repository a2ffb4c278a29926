import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` with the git commit the package is built from (`unknown` outside a git checkout),
/// before every build, for `cdsh --version`.
@main
struct BuildCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildCommit.swift")
        let package = context.package.directoryURL.path
        let script = """
            commit=$(git -C '\(package)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            [ "$commit" = unknown ] || git -C '\(package)' diff --quiet HEAD 2>/dev/null || commit="$commit+changes"
            text="/// The commit this binary was built from (\\`+changes\\` when the work tree differed).
            let buildCommit = \\"$commit\\""
            [ "$(cat '\(output.path)' 2>/dev/null)" = "$text" ] || printf '%s\\n' "$text" > '\(output.path)'
            """
        return [.prebuildCommand(displayName: "Recording the build's commit", executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", script], outputFilesDirectory: context.pluginWorkDirectoryURL)]
    }
}
