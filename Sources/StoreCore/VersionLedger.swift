/// Versions and the audit chain, as every state store provides them: the embedded SQLite store and the
/// PostgreSQL store for teams implement it alike, and one set of contract tests runs against each.
public protocol VersionLedger: Sendable {
    /// Records a new version and its audit entry; returns it with its id.
    func submit(_ version: VersionRecord, auditAction: String, detail: [String: String]) async throws -> VersionRecord
    /// One version by id; `StoreError.notFound` when there is none.
    func version(_ id: Int64) async throws -> VersionRecord
    /// The newest versions first, at most `limit`.
    func versions(limit: Int) async throws -> [VersionRecord]
    /// Resolves `v12`, `12`, `latest` or a unique commit prefix (see `VersionReference`).
    func resolve(_ reference: String) async throws -> VersionRecord
    /// Audit entries oldest first, of one version when `versionID` is given.
    func auditEntries(versionID: Int64?) async throws -> [AuditEntry]
    /// The newest `count` audit entries, oldest first (read from the log's end, however long it is).
    func newestAuditEntries(_ count: Int) async throws -> [AuditEntry]
    /// Where this machine witnesses the chain's head outside the database (`AuditWitness`); nil for a store
    /// that keeps no witness.
    var auditWitness: AuditWitness? { get }
}
