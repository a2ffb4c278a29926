import StoreCore

/// The interactive prompt: pipeline name, running / stopped / awaiting-approval counts, security patches in flight.
public enum PromptBuilder {
    /// `shop ▶2 ✗1 ?1 ⚑v9?production › ` (UTF-8) or `shop run:2 stop:1 approve:1 PATCH:v9?production> ` (ASCII). Colour escapes are
    /// wrapped in `\u{1}` for libedit.
    public static func prompt(pipeline: String, counts: PipelineCounts?, style: TextStyle) -> String {
        func paint(_ text: String, _ code: String) -> String {
            style.color ? "\u{1}\u{1B}[\(code)m\u{1}\(text)\u{1}\u{1B}[0m\u{1}" : text
        }
        var parts = [paint(pipeline, "1")]
        if let counts {
            if counts.running > 0 { parts.append(paint(style.unicode ? "▶\(counts.running)" : "run:\(counts.running)", "36")) }
            if counts.stopped > 0 { parts.append(paint(style.unicode ? "✗\(counts.stopped)" : "stop:\(counts.stopped)", "31")) }
            if counts.awaitingApproval > 0 {
                parts.append(paint(style.unicode ? "?\(counts.awaitingApproval)" : "approve:\(counts.awaitingApproval)", "33"))
            }
            for patch in counts.patches {
                let waiting = patch.awaitingApprovalAt.map { "?\($0)" } ?? ""
                parts.append(paint(style.unicode ? "⚑v\(patch.versionID)\(waiting)" : "PATCH:v\(patch.versionID)\(waiting)", "1;31"))
            }
        } else {
            parts.append(style.unicode ? "(no state)" : "(no state)")
        }
        return parts.joined(separator: " ") + (style.unicode ? " › " : "> ")
    }
}
