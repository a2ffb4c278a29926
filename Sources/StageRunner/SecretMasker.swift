import Foundation

/// Replaces the values of declared secrets in job output with `****`: the value itself and the forms a job is
/// likely to print it in — base64 (standard and URL alphabets, at each of the three byte alignments it can have
/// inside a longer encoded text), percent-encoding, and hex in either case.
public struct SecretMasker: Sendable {
    /// What replaces a match.
    public static let mask = Array("****".utf8)
    /// Encoded forms are masked for values at least this long; shorter ones would mask ordinary text.
    static let minimumEncodedLength = 4

    /// Byte patterns to replace, longest first so a longer form is replaced before a shorter one inside it.
    let patterns: [[UInt8]]
    /// The bytes a pattern can start with: most output bytes are decided by one set lookup.
    let firstBytes: Set<UInt8>

    public init(secrets: [String]) {
        var forms = Set<[UInt8]>()
        for secret in secrets where !secret.isEmpty {
            let bytes = Array(secret.utf8)
            forms.insert(bytes)
            guard bytes.count >= Self.minimumEncodedLength else { continue }
            for form in Self.base64Forms(bytes) + Self.otherForms(secret, bytes) where form.count >= Self.minimumEncodedLength {
                forms.insert(Array(form.utf8))
            }
        }
        patterns = forms.sorted { $0.count > $1.count }
        firstBytes = Set(patterns.map { $0[0] })
    }

    /// True when there is nothing to mask.
    public var isEmpty: Bool { patterns.isEmpty }

    /// The longest pattern: a text cut anywhere can hide at most this many bytes minus one of a match.
    public var longestPattern: Int { patterns.first?.count ?? 0 }

    public func mask(_ text: String) -> String {
        isEmpty ? text : String(decoding: mask(Array(text.utf8)), as: UTF8.self)
    }

    public func mask(_ bytes: [UInt8]) -> [UInt8] {
        mask(bytes, final: true).output
    }

    /// Masks every byte some pattern covers (overlapping matches of different secrets become one `****`).
    /// Unless `final`, decides only bytes no later read can change: `consumed` says how many bytes were decided.
    public func mask(_ bytes: [UInt8], final: Bool) -> (output: [UInt8], consumed: Int) {
        guard !isEmpty else { return (bytes, bytes.count) }
        let decidable = final ? bytes.count : max(0, bytes.count - longestPattern + 1)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0, coveredUntil = 0, masking = false
        while index < decidable || index < coveredUntil {
            if firstBytes.contains(bytes[index]) {
                for pattern in patterns where index + pattern.count <= bytes.count
                    && bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                    coveredUntil = max(coveredUntil, index + pattern.count)
                    break
                }
            }
            if index < coveredUntil {
                if !masking { output.append(contentsOf: Self.mask) }
                masking = true
            } else {
                masking = false
                output.append(bytes[index])
            }
            index += 1
        }
        return (output, index)
    }

    /// The characters of base64 fully determined by the secret's bytes, for each alignment inside a longer text.
    static func base64Forms(_ bytes: [UInt8]) -> [String] {
        var forms: [String] = []
        for offset in 0..<3 {
            let encoded = Array(Data(Array(repeating: 0, count: offset) + bytes).base64EncodedString().utf8)
            let start = [0, 2, 3][offset]
            let total = offset + bytes.count
            let end = total / 3 * 4 + total % 3  // the last character before `=` padding shares bits with it
            guard end > start else { continue }
            let standard = String(decoding: encoded[start..<end], as: UTF8.self)
            forms.append(standard)
            forms.append(standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        }
        return forms
    }

    static func otherForms(_ secret: String, _ bytes: [UInt8]) -> [String] {
        var unreserved = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        unreserved.insert(charactersIn: "-._~")
        var forms: [String] = []
        if let percent = secret.addingPercentEncoding(withAllowedCharacters: unreserved), percent != secret {
            forms.append(percent)
            forms.append(percent.lowercasedPercentEscapes())
            forms.append(secret.addingPercentEncoding(withAllowedCharacters: unreserved.union(CharacterSet(charactersIn: " ")))?
                .replacingOccurrences(of: " ", with: "+") ?? percent)
        }
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        forms.append(hex)
        forms.append(hex.uppercased())
        return forms
    }
}

private extension String {
    /// `%2F` → `%2f`, leaving the other characters alone.
    func lowercasedPercentEscapes() -> String {
        var result = ""
        var remaining = 0
        for character in self {
            if character == "%" { remaining = 2; result.append(character); continue }
            if remaining > 0 { result.append(contentsOf: character.lowercased()); remaining -= 1 } else { result.append(character) }
        }
        return result
    }
}
