/// What `gc` keeps (`retention:` in cdsh.yml): the artifacts of the newest `versions` versions, and in each
/// environment of the one running there and the `versions` that ran there before it (what a rollback may return
/// to); every version in flight; logs for `logsSeconds` after their task ended. Anything else `gc` may remove.
public struct Retention: Codable, Sendable, Equatable {
    public var versions: Int
    public var logsSeconds: Int

    public init(versions: Int, logsSeconds: Int) {
        self.versions = versions
        self.logsSeconds = logsSeconds
    }

    /// How long logs are kept, as the file would say it: `90d`, `36h`, `30m`.
    public var logsText: String {
        logsSeconds % 86_400 == 0 ? "\(logsSeconds / 86_400)d" : DurationText.format(seconds: logsSeconds)
    }

    /// What a pipeline that says nothing keeps: 50 versions, 90 days of logs.
    public static let standard = Retention(versions: 50, logsSeconds: 90 * 86_400)
}
