/// Paths inside a folder, named from it.
enum RelativePath {
    /// `path` relative to `folder` when it lies inside it (`/repo/ci/cdsh.yml` in `/repo` → `ci/cdsh.yml`); nil
    /// when it does not. Both are taken as given: resolve symbolic links first where they matter.
    static func inside(_ folder: String, _ path: String) -> String? {
        path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : nil
    }
}
