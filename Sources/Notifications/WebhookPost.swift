import AsyncHTTPClient
import Crypto
import Foundation
import StoreCore

/// One webhook delivery: a JSON POST signed with HMAC-SHA256 of the body, through async-http-client.
enum WebhookPost {
    /// The header carrying `sha256=HEX`, the body's HMAC-SHA256 under the declared secret (as GitHub signs its hooks).
    static let signatureHeader = "X-Cdsh-Signature-256"

    /// One client for the process: no redirects (a POST redirected would arrive as a bodiless GET, or not at all),
    /// bounded connect and read times. It lives as long as the engine, so it is never shut down.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(15))))

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `key`.
    static func signature(of body: Data, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8)))
        return "sha256=" + Hex.string(mac)
    }

    /// Posts `body`; nil when the endpoint answered 2xx within 15 seconds, else what went wrong — naming the
    /// endpoint only by `shownAs` (a URL may carry a token).
    static func send(_ body: Data, to url: String, shownAs: String, event: String, delivery: Int64, key: String?) async -> String? {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "cdsh")
        request.headers.add(name: "X-Cdsh-Event", value: event)
        request.headers.add(name: "X-Cdsh-Delivery", value: String(delivery))
        if let key { request.headers.add(name: signatureHeader, value: signature(of: body, key: key)) }
        request.body = .bytes(body)
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            guard (200..<300).contains(Int(response.status.code)) else {
                let answer = try? await response.body.collect(upTo: 4096)
                let text = answer.flatMap { $0.getString(at: $0.readerIndex, length: min($0.readableBytes, 200)) } ?? ""
                return "HTTP \(response.status.code) from \(shownAs)"
                    + (text.isEmpty ? "" : ": \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return nil
        } catch {
            return "\(shownAs): \(String(describing: error).replacingOccurrences(of: url, with: shownAs))"
        }
    }
}
