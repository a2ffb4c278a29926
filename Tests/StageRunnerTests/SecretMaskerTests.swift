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
        let text = Array((0..<200).map { "line \($0): \($0 % 7 == 0 ? Self.secret : "ok") \(Data(Self.secret.utf8).base64EncodedString())\n" }
            .joined().utf8)
        let whole = masker.mask(text)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var pending: [UInt8] = [], output: [UInt8] = [], index = 0
            while index < text.count {
                let size = Int.random(in: 1...97, using: &generator)
                pending += text[index..<min(text.count, index + size)]
                index += size
                let (part, consumed) = masker.mask(pending, final: false)
                output += part
                pending.removeFirst(consumed)
            }
            output += masker.mask(pending, final: true).output
            #expect(output == whole)
        }
        #expect(!String(decoding: whole, as: UTF8.self).contains(Self.secret))
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
}
