import Foundation

/// What happened, as `notify: [{on: [...]}]` names it.
public enum NotificationEvent: String, Codable, Sendable, CaseIterable {
    /// A stage ended failed, errored or interrupted (with the stage, the job and the end of its log).
    case failed
    /// A stage waits for `approve`.
    case awaitingApproval = "awaiting-approval"
    /// A version passed its production stage.
    case live
    /// A security patch was injected (`patch`).
    case patch
    /// A security patch passed its production stage.
    case patchLive = "patch-live"
    /// A rollback deploy ended (passed or not).
    case rollback
    /// A version can no longer reach an environment: a newer one went live there first.
    case superseded
    /// A version lacks a security patch live in production.
    case blocked
    /// A commit on a followed branch made no version (its cdsh.yml is invalid or missing).
    case noVersion = "no-version"
    /// The engine stopped on its own and nothing moves until a person acts (a full disk).
    case engineStopped = "engine-stopped"
}

/// One `notify:` entry: which events, delivered where — a webhook (a signed JSON POST) or a command (the event as
/// JSON on its standard input).
public struct NotifyTarget: Codable, Sendable, Equatable, Hashable {
    /// The events it wants; every event when empty.
    public var events: [NotificationEvent]
    /// An http(s) URL, or `$NAME`: the URL is the engine's environment variable NAME (chat webhooks embed a token).
    public var webhook: String?
    /// The engine's environment variable whose value signs each webhook body (HMAC-SHA256).
    public var secret: String?
    /// A command run with `/bin/sh -c`.
    public var run: String?

    public init(events: [NotificationEvent] = [], webhook: String? = nil, secret: String? = nil, run: String? = nil) {
        self.events = events
        self.webhook = webhook
        self.secret = secret
        self.run = run
    }

    public func wants(_ event: NotificationEvent) -> Bool {
        events.isEmpty || events.contains(event)
    }

    /// How people see it in `notifications` and logs: a webhook by `$NAME`, or by its scheme, host and port (its
    /// path and query may hold a token), a command as written.
    public var shownDescription: String {
        guard let webhook else { return "run \(run ?? "")" }
        guard !webhook.hasPrefix("$"), let url = URL(string: webhook), let scheme = url.scheme, let host = url.host else {
            return "webhook \(webhook.hasPrefix("$") ? webhook : "(unreadable URL)")"
        }
        return "webhook \(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")/…"
    }

    /// The environment variables this target names: its signing key and a `$NAME` webhook.
    public var variableNames: [String] {
        [secret, webhook.flatMap { $0.hasPrefix("$") ? String($0.dropFirst()) : nil }].compactMap { $0 }
    }
}
