import PipelineModel
import Yams

extension PlanReader {
    static let retentionKeys = ["versions", "logs"]

    /// `retention: {versions: 50, logs: 90d}`; a key left out keeps its standard value.
    mutating func readRetention(_ node: Node) -> Retention? {
        guard let fields = nodes.fields(of: node, expected: "a mapping such as `{versions: 50, logs: 90d}`",
                                        place: "in `retention`", known: Self.retentionKeys) else { return nil }
        var retention = Retention.standard
        if let entry = fields["versions"] {
            guard let text = nodes.string(entry.value, expected: "a number of versions") else { return nil }
            guard let count = Int(text), count >= 1, count <= 100_000 else {
                nodes.error("`versions` of `retention` must be a whole number from 1 to 100000, not `\(text)`",
                            at: nodes.position(of: entry.value), hint: "how many of the newest versions keep their artifacts")
                return nil
            }
            retention.versions = count
        }
        if let entry = fields["logs"] {
            let position = nodes.position(of: entry.value)
            guard case .scalar(let scalar) = entry.value, let seconds = PipelineLoader.parseDuration(scalar.string, days: true)
            else {
                nodes.error("`logs` of `retention` must be a duration such as `90d`, `12h` or `30m`", at: position,
                            hint: "how long logs are kept after their job ended")
                return nil
            }
            retention.logsSeconds = seconds
        }
        return retention
    }
}
