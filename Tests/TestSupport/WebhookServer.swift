import Foundation

/// A real HTTP server on 127.0.0.1 (Tests/Fixtures/webhook-server.py) that records every request it receives.
public final class WebhookServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let folder: String

    /// Starts it; the first `failing` requests are answered 500, then 200; signatures are checked against `secret`.
    public init(secret: String, failing: Int = 0) throws {
        folder = NSTemporaryDirectory() + "cdsh-webhook-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", ProjectFixture.repositoryRoot + "/Tests/Fixtures/webhook-server.py",
                             "--port-file", folder + "/port", "--log", folder + "/requests", "--secret", secret,
                             "--fail", String(failing)]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var port: Int?
        while port == nil && Date() < deadline {
            port = (try? String(contentsOfFile: folder + "/port", encoding: .utf8)).flatMap { Int($0) }
            if port == nil { usleep(20_000) }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw NSError(domain: "webhook-server", code: 1, userInfo: [NSLocalizedDescriptionKey: "the webhook server did not start"])
        }
        self.port = port
    }

    /// The URL of `path` on this server.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request so far, oldest first, as the server recorded it.
    public var requests: [[String: Any]] {
        let text = (try? String(contentsOfFile: folder + "/requests", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Waits until `matching` holds for the requests (at most `seconds`); returns them.
    @discardableResult
    public func waitFor(seconds: Double = 30, _ matching: ([[String: Any]]) -> Bool) -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var seen = requests
        while !matching(seen) && Date() < deadline {
            usleep(100_000)
            seen = requests
        }
        return seen
    }

    /// Stops it by SIGKILL (a test runner may block SIGTERM, and its children inherit the mask).
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
