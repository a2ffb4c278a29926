import Foundation
import PipelineModel
import Shell
import StageRunner
import StoreCore
import Testing

/// Every error that reaches the user gets the message and the exit status of SPEC §4 from one presenter.
struct ErrorPresenterTests {
    @Test func eachModulesErrorsKeepTheirMessageHintAndExitStatus() {
        let cases: [(any Error, String, String?, Int32)] = [
            (StoreError.refused("v1 is not awaiting approval", hint: "`wait v1`"), "v1 is not awaiting approval", "`wait v1`", 4),
            (StoreError.notFound("no version v9"), "no version v9", nil, 1),
            (StoreError.ambiguous("commit prefix abcd is ambiguous"), "commit prefix abcd is ambiguous", nil, 2),
            (StoreError.unavailable("cannot open the state store"), "cannot open the state store", nil, 3),
            (ArtifactError.mismatch(path: "dist/app", expected: "aa", actual: "bb"),
             "artifact dist/app does not match what the commit stage stored: sha256 bb instead of aa; the deploy did not run", nil, 4),
            (ArtifactError.missing(path: "dist/app", digest: "cc"),
             "artifact dist/app is missing from the store (sha256 cc): `gc` removed it (retention no longer keeps its version; "
                + "`audit` lists each gc) or it was deleted; the deploy did not run", nil, 4),
            (GitError(description: "unknown revision nope"), "unknown revision nope", nil, 1),
            (SQLRowError.type(column: "state", expected: "text", found: .integer(3)),
             "the state store's column `state` holds the number 3 where text belongs; was the database edited?", nil, 3),
            (CancellationError(), "interrupted", nil, 130),
            (ShellError.usage("unknown command `stauts`", hint: "did you mean `status`?"), "unknown command `stauts`",
             "did you mean `status`?", 2),
        ]
        for (error, message, hint, status) in cases {
            let presented = ErrorPresenter.present(error)
            #expect(presented.message == message)
            #expect(presented.hint == hint)
            #expect(presented.exitCode == status, "\(error)")
        }
    }

    @Test func aFileErrorNamesThePathAndTheReasonNotFoundationsDomain() throws {
        let folder = NSTemporaryDirectory() + "cdsh-present-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
            Issue.record("creating an existing folder should fail")
        } catch {
            let presented = ErrorPresenter.present(error)
            #expect(presented.message.contains(folder), "\(presented.message)")
            #expect(!presented.message.contains("NSCocoaErrorDomain"), "\(presented.message)")
            #expect(presented.exitCode == 1)
        }
    }
}
