import Foundation
import PipelineModel

/// Turns any error that reaches the user into what the one error line says and the exit status of SPEC §4:
/// every module's errors are `UserFacingError`s; the rest are named here once.
public enum ErrorPresenter {
    /// What the error line says, and how the process ends.
    public struct Presentation: Sendable, Equatable {
        public var message: String
        public var hint: String?
        public var exitCode: Int32
        /// Lines printed before the error line (a pipeline file's diagnostics, each with its position).
        public var details: [String]
    }

    public static func present(_ error: any Error) -> Presentation {
        switch error {
        case let error as PipelineFileError:
            return Presentation(message: error.message, hint: nil, exitCode: error.exitCode,
                                details: error.diagnostics.map(\.description))
        case let error as any UserFacingError:
            return Presentation(message: error.message, hint: error.hint, exitCode: error.exitCode, details: [])
        case is CancellationError:
            return Presentation(message: "interrupted", hint: nil, exitCode: ExitCode.interrupted, details: [])
        default:
            return Presentation(message: ErrorText.describe(error), hint: nil, exitCode: ExitCode.failure, details: [])
        }
    }
}
