import Foundation
import Testing
@testable import StageRunner

/// Secret values and the encodings a job is likely to print them in never pass the masker.
struct SecretMaskerTests {
    static let secret = "s3cr3t/Value+with?odd&chars"

    /// Every form a leak could take, for the leak tests here and in scripts/torture.
    static func leakedForms(of secret: String) -> [String] {
        let bytes = Array(secret.utf8)
        var forms = [secret, bytes.map { String(format: "%02x", $0) }.joined(), bytes.map { String(format: "%02X", $0) }.joined()]
        for prefix in ["", "a", "ab", "abc", "prefix: "] {
            let encoded = Data((prefix + secret + "!").utf8).base64EncodedString()
            forms.append(encoded)
            forms.append(encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        }
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        forms.append(secret.addingPercentEncoding(withAllowedCharacters: unreserved)!)
        return forms
    }

    @Test(arguments: leakedForms(of: secret))
    func aSecretIsMaskedInEveryEncodingInsideOtherText(_ form: String) {
        let masker = SecretMasker(secrets: [Self.secret])
        let masked = masker.mask("before \(form) after")
        #expect(masked.contains("****"))
        #expect(!masked.contains(Self.secret))
        let rawBase64 = Data(Self.secret.utf8).base64EncodedString().dropLast(4)
        #expect(!masked.contains(rawBase64), "\(masked)")
        #expect(masked.hasPrefix("before ") && masked.hasSuffix(" after"))
    }

    @Test func aMultiLineSecretsShortLinesMaskNothingElse() {
        let masker = SecretMasker(secrets: ["{\n    \"key\": \"c2VjcmV0LXZhbHVlLTE\",\n    },\n]"])
        #expect(masker.mask("config: {a: 1},\n  ]\n") == "config: {a: 1},\n  ]\n")
        #expect(masker.mask("key c2VjcmV0LXZhbHVlLTE end") == "key **** end")
    }

    @Test func textWithoutSecretsIsUnchangedAndShortSecretsMaskOnlyThemselves() {
        let masker = SecretMasker(secrets: [Self.secret, "abc", ""])
        #expect(masker.mask("nothing to see, 616263 YWJj") == "nothing to see, 616263 YWJj")
        #expect(masker.mask("x abc y") == "x **** y")
        #expect(SecretMasker(secrets: []).isEmpty)
    }

    @Test func overlappingSecretsLeaveNoTailVisible() {
        let masker = SecretMasker(secrets: ["abc1", "c1234567"])
        #expect(masker.mask("x abc1234567 y") == "x **** y")
        #expect(masker.mask("abc1abc1") == "****")
    }

    @Test func outputCutAnywhereIsMaskedAsIfWhole() {
        let masker = SecretMasker(secrets: [Self.secret])
        let percent = Self.secret.utf8.map { String(format: "%%%02X", $0) }.joined()
        let text = Array((0..<200).map {
            "line \($0): \($0 % 7 == 0 ? Self.secret : "ok") \(Data(Self.secret.utf8).base64EncodedString()) \(percent)\n"
        }.joined().utf8)
        let whole = masker.mask(text)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var pending: [UInt8] = [], output: [UInt8] = [], index = 0, progress = SecretMasker.Progress()
            while index < text.count {
                let size = Int.random(in: 1...97, using: &generator)
                pending += text[index..<min(text.count, index + size)]
                index += size
                let (part, consumed) = masker.mask(pending, final: false, progress: &progress)
                output += part
                pending.removeFirst(consumed)
            }
            output += masker.mask(pending, final: true, progress: &progress).output
            #expect(output == whole)
        }
        #expect(!String(decoding: whole, as: UTF8.self).contains(Self.secret))
        #expect(!String(decoding: whole, as: UTF8.self).contains("%"), "a percent-encoded secret left a piece")
    }

    @Test func aJobPrintingItsSecretLeavesOnlyMasksInTheLog() async throws {
        let folder = NSTemporaryDirectory() + "cdsh-mask-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let commands = [
            #"echo "token=$TOKEN""#, #"printf '%s' "$TOKEN" | base64"#, #"printf 'x%s' "$TOKEN" | base64 >&2"#,
            #"printf '%s' "$TOKEN" | od -An -tx1 | tr -d ' \n'; echo"#, #"printf 'no newline at the end %s' "$TOKEN""#,
        ]
        let spec = CommandSpec(commands: commands, workingDirectory: folder, environment: ["TOKEN": Self.secret],
                               logPath: "\(folder)/job.log", timeoutSeconds: 30, secrets: [Self.secret])
        let outcome = await CommandRunner().run(spec, started: { _ in })
        #expect(outcome.state == .passed)
        let log = try String(contentsOfFile: "\(folder)/job.log", encoding: .utf8)
        for form in Self.leakedForms(of: Self.secret).prefix(3) { #expect(!log.contains(form)) }
        #expect(!log.contains(Data(Self.secret.utf8).base64EncodedString().dropLast(4)))
        #expect(log.contains("token=****"))
        #expect(log.hasSuffix("no newline at the end ****"))
        #expect(log.components(separatedBy: "****").count - 1 >= 5, "\(log)")
    }

    static let token = "tk_9f/Q+xZ=wr7LbN2&cVq8?Hs4mJ0pD6yTe1Ka3Ru5Wi7Ox9Gz-Bl2Fn4Cd6Ev8Sg0Ph_Mj" + "Yt3"
    static let pem = "-----BEGIN PRIVATE KEY-----\n"
        + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
        + "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
        + "NMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n"
        + "-----END PRIVATE KEY-----"

    /// The output normalized as a reader would decode it: separators dropped, percent escapes decoded.
    static func decoded(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = [], input = Array(text.utf8), index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%"), index + 2 < input.count,
               let value = UInt8(String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(input[index])
                index += 1
            }
        }
        return bytes.filter { !" \t\r\n:+".utf8.contains($0) }
    }

    /// Every run of eight characters of any form of `secret` (itself, each of its lines, base64 at each
    /// alignment, hex) still readable in `log`.
    static func leaks(of secret: String, in log: String) -> [String] {
        let bytes = Array(secret.utf8)
        var forms = [secret, bytes.map { String(format: "%02x", $0) }.joined(), bytes.map { String(format: "%02X", $0) }.joined()]
        forms += secret.split(separator: "\n").map(String.init)
        for prefix in ["", "a", "ab"] {
            forms.append(String(Data((prefix + secret).utf8).base64EncodedString().dropFirst(prefix.isEmpty ? 0 : 4).dropLast(4)))
        }
        let text = decoded(log)
        var found: [String] = []
        for form in forms {
            let normalized = decoded(form)
            guard normalized.count >= 8 else { continue }
            for start in 0...(normalized.count - 8) {
                let piece = Array(normalized[start..<(start + 8)])
                if text.count >= 8, (0...(text.count - 8)).contains(where: { text[$0..<($0 + 8)].elementsEqual(piece) }) {
                    found.append(String(decoding: piece, as: UTF8.self))
                }
            }
        }
        return found
    }

    @Test func wrappedSpacedPercentEncodedAndMultiLineFormsLeaveNothingReadable() async throws {
        let folder = NSTemporaryDirectory() + "cdsh-mask-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let quote = #"python3 -c 'import os, sys, urllib.parse as u; v = os.environ["TOKEN"]; print(u.quote(v)); "#
            + #"print(u.quote(v, safe="")); print("".join("%%%02X" % b for b in v.encode())); "#
            + #"print("".join(c if i % 2 else "%%%02x" % ord(c) for i, c in enumerate(v)))'"#
        let commands = [
            #"printf %s "$TOKEN" | base64"#, #"printf %s "$TOKEN" | openssl base64"#,
            #"for width in 17 33 64 100 120; do printf 'x%s' "$TOKEN" | base64 -w $width; done"#, quote,
            #"printf '%s\n' "$PEM" | sed 's/^/        /'"#,
            #"printf '%s\n' "$PEM" | while IFS= read -r line; do echo "key line: $line"; done"#,
            #"printf %s "$PEM" | base64"#,
            #"printf %s "$TOKEN" | xxd"#, #"printf %s "$TOKEN" | od -An -tx1"#,
            #"printf %s "$TOKEN" | xxd -p -c 12 | sed 's/../&:/g'"#, "echo the end",
        ]
        let spec = CommandSpec(commands: commands, workingDirectory: folder, environment: ["TOKEN": Self.token, "PEM": Self.pem],
                               logPath: "\(folder)/job.log", timeoutSeconds: 30, secrets: [Self.token, Self.pem])
        let outcome = await CommandRunner().run(spec, started: { _ in })
        #expect(outcome.state == .passed)
        let log = try String(contentsOfFile: "\(folder)/job.log", encoding: .utf8)
        #expect(Self.leaks(of: Self.token, in: log).isEmpty, "\(Self.leaks(of: Self.token, in: log))\n\(log)")
        #expect(Self.leaks(of: Self.pem, in: log).isEmpty, "\(Self.leaks(of: Self.pem, in: log))\n\(log)")
        #expect(log.contains("key line: ****") && log.contains("00000000: ****") && log.hasSuffix("the end\n"), "\(log)")
    }
}
