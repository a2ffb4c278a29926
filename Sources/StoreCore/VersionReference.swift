import Foundation

/// What a VERSION argument names: `latest`, a number (`v12`, `12`) or a commit prefix of 4+ hex digits.
/// Shared by every store so each resolves references the same way.
public enum VersionReference: Equatable, Sendable {
    case latest
    case number(Int64)
    case commitPrefix(String)

    public static func parse(_ reference: String) throws -> VersionReference {
        let text = reference.trimmingCharacters(in: .whitespaces)
        if text == "latest" { return .latest }
        let digits = text.hasPrefix("v") ? String(text.dropFirst()) : text
        if let id = Int64(digits), !digits.isEmpty, digits.count < 7 || text.hasPrefix("v") {
            return .number(id)
        }
        guard text.count >= 4, text.allSatisfy(\.isHexDigit) else {
            throw StoreError.notFound("`\(text)` is not a version: use v12, 12, latest or a commit prefix (4+ hex digits)")
        }
        return .commitPrefix(text.lowercased())
    }

    /// The version among those whose commit starts with `prefix` (oldest first): the newest, unless they are of
    /// different commits.
    public static func choose(_ matches: [VersionRecord], prefix: String) throws -> VersionRecord {
        guard let last = matches.last else { throw StoreError.notFound("no version of a commit starting with \(prefix)") }
        if Set(matches.map(\.commitID)).count > 1 {
            throw StoreError.ambiguous("commit prefix \(prefix) is ambiguous: "
                + matches.prefix(5).map { "\($0.name) (\($0.commitID.prefix(12)))" }.joined(separator: ", "))
        }
        return last
    }

    public static let noVersionsYet = StoreError.notFound("there are no versions yet; `submit` makes one")
}
