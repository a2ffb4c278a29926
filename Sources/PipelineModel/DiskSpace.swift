import Foundation

/// Room on the file system holding a path.
public enum DiskSpace {
    /// Bytes free to an unprivileged writer on the file system holding `path`; nil when it cannot be told.
    public static func freeBytes(at path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// True when the file system holding `path` has (nearly) no room left: what a write error there most likely means.
    public static func isFull(at path: String) -> Bool {
        (freeBytes(at: path) ?? .max) < 256 << 10
    }
}
