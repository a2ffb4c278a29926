import Foundation
import PipelineModel

/// Why an artifact could not be stored or handed out.
public enum ArtifactError: UserFacingError, Sendable, Equatable, CustomStringConvertible {
    case missing(path: String, digest: String)
    case mismatch(path: String, expected: String, actual: String)
    case unreadable(path: String, reason: String)
    /// Writing the copy failed with `errno` (a full disk: `isDiskFull`); the partial copy is removed.
    case unwritable(path: String, errno: Int32)

    /// True for a write that failed because the disk (or the user's quota) is full.
    public var isDiskFull: Bool {
        if case .unwritable(_, let code) = self { return code == ENOSPC || code == EDQUOT }
        return false
    }

    public var description: String {
        switch self {
        case let .missing(path, digest):
            "artifact \(path) is missing from the store (sha256 \(digest.prefix(12))): `gc` removed it (retention no longer "
                + "keeps its version; `audit` lists each gc) or it was deleted; the deploy did not run"
        case let .mismatch(path, expected, actual):
            "artifact \(path) does not match what the commit stage stored: sha256 \(actual.prefix(12)) instead of \(expected.prefix(12)); the deploy did not run"
        case let .unreadable(path, reason):
            "artifact \(path) cannot be read: \(reason)"
        case let .unwritable(path, code):
            "artifact \(path) cannot be written: \(String(cString: strerror(code)))"
        }
    }

    public var message: String { description }

    public var hint: String? { nil }

    /// A missing or altered artifact is refused (SPEC §4: a tampered artifact); an unreadable one is a failure.
    public var exitCode: Int32 {
        switch self {
        case .missing, .mismatch: ExitCode.refused
        case .unreadable, .unwritable: ExitCode.failure
        }
    }
}
