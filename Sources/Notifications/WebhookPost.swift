import AsyncHTTPClient
import Crypto
import Foundation

/// One webhook delivery: a JSON POST signed with HMAC-SHA256 of the body, through async-http-client.
enum WebhookPost {
    /// The header carrying `sha256=HEX`, the body's HMAC-SHA256 under the declared secret (as GitHub signs its hooks).
    static let signatureHeader = "X-Cdsh-Signature-256"

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `key`.
    static func signature(of body: Data, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(key.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Posts `body`; nil when the endpoint answered 2xx, else what went wrong.
    static func send(_ body: Data, to url: String, event: String, delivery: Int64, key: String?) async -> String? {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "cdsh")
        request.headers.add(name: "X-Cdsh-Event", value: event)
        request.headers.add(name: "X-Cdsh-Delivery", value: String(delivery))
        if let key { request.headers.add(name: signatureHeader, value: signature(of: body, key: key)) }
        request.body = .bytes(body)
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
            let answer = try await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(Int(response.status.code)) else {
                let text = answer.getString(at: answer.readerIndex, length: min(answer.readableBytes, 200)) ?? ""
                return "HTTP \(response.status.code)" + (text.isEmpty ? "" : ": \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return nil
        } catch {
            return "\(url): \(error)"
        }
    }
}
