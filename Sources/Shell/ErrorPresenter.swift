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
        case let error as CocoaError:
            return Presentation(message: fileProblem(error), hint: nil, exitCode: ExitCode.failure, details: [])
        default:
            return Presentation(message: "\(error)", hint: nil, exitCode: ExitCode.failure, details: [])
        }
    }

    /// `cannot write /path: file exists`, not Foundation's domain and code.
    private static func fileProblem(_ error: CocoaError) -> String {
        let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? error.userInfo[NSURLErrorKey].map { "\($0)" }
        let reason = (error.userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            ?? error.localizedDescription
        return path.map { "\($0): \(reason)" } ?? reason
    }
}
