import PipelineModel

/// How text output may look: Unicode symbols only under a UTF-8 locale.
public struct TextStyle: Sendable {
    public var unicode: Bool

    public init(unicode: Bool) {
        self.unicode = unicode
    }

    /// UTF-8 when `LC_ALL`, `LC_CTYPE` or `LANG` (first set wins) names it.
    public static func from(environment: [String: String]) -> TextStyle {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let lower = locale.lowercased()
        return TextStyle(unicode: lower.contains("utf-8") || lower.contains("utf8"))
    }

    public func symbol(_ state: String) -> String {
        guard let state = RunState(rawValue: state) else { return unicode ? "·" : "." }
        return unicode ? state.symbol : state.asciiSymbol
    }

    /// Pads to `width` columns.
    public static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
