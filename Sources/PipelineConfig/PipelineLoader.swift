import Foundation
import PipelineModel

/// Reads `cdsh.yml` into a `PipelinePlan`, reporting every problem with its position.
public enum PipelineLoader {
    /// Parses and validates pipeline text; `file` is the name used in diagnostics.
    /// The largest pipeline file read: far beyond any real pipeline, short of what would take seconds to load.
    public static let maxFileBytes = 1 << 20

    public static func load(text: String, file: String) -> PipelineLoadResult {
        let size = text.utf8.count
        guard size <= maxFileBytes else { return tooLarge(file, bytes: size) }
        let document = YAMLDocument(text: text)
        if let syntaxError = document.syntaxError {
            let diagnostic = Diagnostic(
                file: file, line: syntaxError.position.line, column: syntaxError.position.column,
                message: syntaxError.message, hint: syntaxError.hint
            )
            return PipelineLoadResult(plan: nil, diagnostics: [diagnostic])
        }
        var reader = PlanReader(file: file, source: document.source)
        let plan = reader.readPlan(document.root)
        let diagnostics = reader.nodes.diagnostics.enumerated().sorted { lhs, rhs in
            (lhs.element.line, lhs.element.column, lhs.offset) < (rhs.element.line, rhs.element.column, rhs.offset)
        }.map(\.element)
        var result = PipelineLoadResult(plan: plan, diagnostics: diagnostics)
        result.trigger = reader.trigger
        result.source = reader.source
        result.notify = reader.notify
        result.pipelineName = reader.pipelineName
        return result
    }

    /// Reads a file; a read failure becomes one diagnostic at 1:1.
    public static func load(contentsOf path: String) -> PipelineLoadResult {
        let text: String
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > maxFileBytes {
            return tooLarge(path, bytes: Int(info.st_size))
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                return failure(path, "the pipeline file is not valid UTF-8")
            }
            text = decoded
        } catch {
            return failure(path, "cannot read the pipeline file: \(reason(for: error))")
        }
        return load(text: text, file: path)
    }

    /// Parses a duration like `90s`, `10m`, `1h`, `1h30m`; nil if invalid or zero.
    ///
    /// Hours, minutes and seconds (and days, where `days` allows them: `90d`) each appear at most once, in that
    /// order, as whole numbers.
    public static func parseDuration(_ text: String, days: Bool = false) -> Int? {
        let units: [(Character, Int)] = (days ? [("d", 86_400)] : []) + [("h", 3600), ("m", 60), ("s", 1)]
        var remaining = Substring(text)
        var total = 0
        var nextUnit = 0
        while !remaining.isEmpty {
            let digits = remaining.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int(digits) else { return nil }
            remaining = remaining.dropFirst(digits.count)
            guard let unit = remaining.first,
                  let index = units[nextUnit...].firstIndex(where: { $0.0 == unit }) else { return nil }
            remaining = remaining.dropFirst()
            nextUnit = index + 1
            let (seconds, overflow1) = value.multipliedReportingOverflow(by: units[index].1)
            let (sum, overflow2) = total.addingReportingOverflow(seconds)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
        }
        return total > 0 ? total : nil
    }

    private static func tooLarge(_ path: String, bytes: Int) -> PipelineLoadResult {
        failure(path, "the pipeline file is \(bytes) bytes; cdsh reads pipeline files of at most \(maxFileBytes >> 20) MiB")
    }

    private static func failure(_ path: String, _ message: String) -> PipelineLoadResult {
        PipelineLoadResult(plan: nil, diagnostics: [Diagnostic(file: path, line: 1, column: 1, message: message)])
    }

    private static func reason(for error: Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        if error.domain == NSCocoaErrorDomain, error.code == NSFileReadNoSuchFileError {
            return "no such file"
        }
        return error.localizedDescription
    }
}
