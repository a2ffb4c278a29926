/// Content-addressed artifact storage as every state store provides it: the state folder's files for the
/// embedded store, chunks in PostgreSQL (with a local cache) for teams. The contract tests run against each.
public protocol BlobStore: Sendable {
    /// Hashes the file and stores its bytes once under their SHA-256; the file at `path` is taken (moved or
    /// removed). Returns the digest and size.
    func ingest(fileAt path: String) async throws -> (sha256: String, size: Int64)
    /// Writes the stored bytes of `digest` to `destination`, verified on the way: throws `ArtifactError.missing`
    /// or `.mismatch` (leaving no file at `destination`) when the store no longer holds exactly those bytes.
    /// `path` names the artifact in messages.
    func verifiedCopy(path: String, digest: String, to destination: String) async throws
    /// Re-hashes the stored bytes of `digest`: nil when they are intact, else what is wrong.
    func check(path: String, digest: String) async -> ArtifactError?
    /// Removes — or with `dryRun` only counts — the stored blobs among `digests` that no job stored or reused in
    /// the last `recentSeconds` (one may be storing it now, its artifact rows not yet recorded). Returns how many
    /// there were and their bytes; a digest not stored counts nothing.
    func remove(digests: Set<String>, unusedFor recentSeconds: Double, dryRun: Bool) async throws -> (count: Int, bytes: Int64)
}

extension ArtifactStore: BlobStore {}
