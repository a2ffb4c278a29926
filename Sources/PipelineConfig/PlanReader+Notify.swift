import Foundation
import PipelineModel
import Yams

extension PlanReader {
    static let notifyKeys = ["on", "webhook", "secret", "run"]

    /// `notify: [{on: [failed, awaiting-approval], webhook: URL, secret: NAME}, {on: [live], run: CMD}]`.
    mutating func readNotify(_ node: Node) -> [NotifyTarget]? {
        guard case .sequence(let sequence) = node else {
            nodes.error("expected a list of notification targets for `notify`, found \(NodeReader.describe(node))",
                        at: nodes.position(of: node), hint: "`notify: [{on: [failed], webhook: https://…}]`")
            return nil
        }
        var targets: [NotifyTarget] = []
        var valid = true
        for item in sequence {
            if let target = readNotifyTarget(item) { targets.append(target) } else { valid = false }
        }
        return valid ? targets : nil
    }

    private mutating func readNotifyTarget(_ node: Node) -> NotifyTarget? {
        let position = nodes.position(of: node)
        guard let fields = nodes.fields(of: node, expected: "a mapping such as `{on: [failed], webhook: URL}`",
                                        place: "in a `notify` entry", known: Self.notifyKeys) else { return nil }
        var target = NotifyTarget()
        var valid = true
        if let entry = fields["on"], let items = nodes.strings(entry.value, expected: "an event or a list of events") {
            for (name, at) in items {
                if let event = NotificationEvent(rawValue: name) {
                    target.events.append(event)
                } else {
                    let known = NotificationEvent.allCases.map(\.rawValue)
                    nodes.error("unknown event `\(name)` in `notify`", at: at,
                                hint: Suggestion.closest(to: name, in: known).map { "did you mean `\($0)`?" }
                                    ?? "one of \(known.joined(separator: ", "))")
                    valid = false
                }
            }
        } else if fields["on"] != nil {
            valid = false
        }
        if let entry = fields["webhook"], let url = nodes.string(entry.value, expected: "a URL for `webhook`") {
            if Self.isWebhook(url) {
                target.webhook = url
            } else {
                nodes.error("`\(url)` is not an http(s) URL or `$NAME`", at: nodes.position(of: entry.value),
                            hint: "a URL such as `https://hooks.example.com/cdsh`, or `$SLACK_WEBHOOK_URL` to read it from the engine's environment")
                valid = false
            }
        }
        if let entry = fields["secret"], let name = nodes.string(entry.value, expected: "a variable name for `secret`") {
            if NodeReader.isValidVariableName(name) {
                target.secret = name
            } else {
                nodes.error("`\(name)` is not an environment variable's name", at: nodes.position(of: entry.value),
                            hint: "the name of the engine's variable holding the signing key, such as `CDSH_WEBHOOK_SECRET`")
                valid = false
            }
        }
        if let entry = fields["run"], let command = nodes.string(entry.value, expected: "a command for `run`") {
            target.run = command
        }
        if valid {
            if target.webhook == nil && target.run == nil {
                nodes.error("a `notify` entry needs `webhook` or `run`", at: position,
                            hint: "`webhook: https://…` posts the event; `run: CMD` gives it to a command on its standard input")
                valid = false
            } else if target.webhook != nil && target.run != nil {
                nodes.error("a `notify` entry has either `webhook` or `run`, not both", at: position,
                            hint: "make them two entries")
                valid = false
            } else if target.secret != nil && target.webhook == nil {
                nodes.error("`secret` signs a webhook's body; this entry has none", at: position)
                valid = false
            }
        }
        return valid ? target : nil
    }

    static func isWebhook(_ text: String) -> Bool {
        if text.hasPrefix("$") { return NodeReader.isValidVariableName(String(text.dropFirst())) }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else { return false }
        return true
    }
}
