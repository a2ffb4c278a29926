import PipelineEngine
import StoreCore

/// The shell's view of a version's history, for the regression guard it applies before an approval or a
/// rollback: the repository on this machine that holds it (see `SessionContext.localRepository(for:)`).
struct WorkTreeSource: SourceLocating {
    let context: SessionContext

    func repository(for version: VersionRecord) async throws -> String {
        await context.localRepository(for: version)
    }
}
