import Foundation

/// Replaces the values of declared secrets in job output with `****`: the value itself and the forms a job is
/// likely to print it in — base64 (standard and URL alphabets, at each byte alignment, wrapped at any width), hex
/// in either case (also spaced or colon-separated, as xxd and od print it), percent-encoding of any mix of
/// characters, and each line of a multi-line value (a PEM key) at any indentation.
///
/// Output and forms are compared *normalized*: separators (space, tab, CR, LF, `:`, `+`) are skipped and `%HH`
/// escapes decoded, so wrapping, spacing and percent-encoding do not hide a form. A form at least `window` long
/// is masked wherever any `window` consecutive characters of it appear (a line of a wrapped or dumped value
/// carries only part of it); a shorter form where all of it appears. A run of more than `separatorRun`
/// separators ends a match, which bounds how far back a match reaches.
public struct SecretMasker: Sendable {
    /// What replaces a match.
    public static let mask = Array("****".utf8)
    /// Encoded forms are masked for values at least this long; shorter ones would mask ordinary text.
    static let minimumEncodedLength = 4
    /// Characters of a form that, seen in a row, are masked.
    static let window = 8
    /// Separators in a row beyond which no match continues.
    static let separatorRun = 8

    /// The hashes of the normalized pieces to mask, by piece length, longest first.
    let pieces: [(length: Int, hashes: Set<UInt64>)]
    /// One bit per hash prefix of any piece: most positions of ordinary output are ruled out by one bit, not a
    /// set lookup.
    let filter: [UInt64]
    static let filterBits = 20

    public init(secrets: [String]) {
        var pieces: [Int: Set<UInt64>] = [:]
        func add(_ form: [UInt8], minimum: Int = Self.minimumEncodedLength) {
            let normalized = Self.normalize(form).bytes
            guard !normalized.isEmpty, normalized.count >= minimum else { return }
            let length = min(normalized.count, Self.window)
            for start in 0...(normalized.count - length) {
                pieces[length, default: []].insert(Self.hash(normalized[start..<(start + length)]))
            }
        }
        for secret in secrets where !secret.isEmpty {
            let bytes = Array(secret.utf8)
            add(bytes, minimum: 1)
            for line in secret.split(whereSeparator: \.isNewline) {
                add(Array(line.utf8))
            }
            guard bytes.count >= Self.minimumEncodedLength else { continue }
            for form in Self.base64Forms(bytes) + Self.hexForms(bytes) where form.count >= Self.minimumEncodedLength {
                add(Array(form.utf8))
            }
        }
        self.pieces = pieces.sorted { $0.key > $1.key }.map { ($0.key, $0.value) }
        var filter = [UInt64](repeating: 0, count: (1 << Self.filterBits) / 64)
        for hash in pieces.values.joined() {
            let bit = Int(hash >> UInt64(64 - Self.filterBits))
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        self.filter = filter
    }

    /// True when there is nothing to mask.
    public var isEmpty: Bool { pieces.isEmpty }

    public func mask(_ text: String) -> String {
        isEmpty ? text : String(decoding: mask(Array(text.utf8)), as: UTF8.self)
    }

    public func mask(_ bytes: [UInt8]) -> [UInt8] {
        var progress = Progress()
        return mask(bytes, final: true, progress: &progress).output
    }

    /// Where masking of a stream stands between calls: how many bytes of the next input a match already covers,
    /// and whether the last byte written was masked (so a match cut by a read still shows as one `****`).
    public struct Progress: Sendable {
        var coveredAhead = 0
        var masking = false

        public init() {}
    }

    /// Masks every byte some piece covers (overlapping matches become one `****`). Unless `final`, decides only
    /// bytes no later read can change: `consumed` says how many bytes were decided; give the rest again, with
    /// more, and the same `progress`.
    public func mask(_ bytes: [UInt8], final: Bool, progress: inout Progress) -> (output: [UInt8], consumed: Int) {
        guard !isEmpty else { return (bytes, bytes.count) }
        // A `%` or `%H` at the end may be the start of an escape the next read completes: not read yet.
        let partialEscape = final ? 0 : Self.partialEscape(atEndOf: bytes)
        let text = Self.normalize(Array(bytes[..<(bytes.count - partialEscape)]))
        let count = text.bytes.count
        var decidable = bytes.count
        if !final {
            // A piece starting at one of the last `longest - 1` kept bytes may still grow; one before a long run
            // of separators cannot.
            let firstOpen = count - pieces[0].length + 1
            let open = firstOpen <= 0 ? 0 : firstOpen < count ? text.starts[firstOpen] : bytes.count - partialEscape
            decidable = max(open, text.lastBreak)
        }
        var depth = [Int](repeating: 0, count: bytes.count + 1)
        var coveredEnd = min(progress.coveredAhead, bytes.count)
        if coveredEnd > 0 {
            depth[0] += 1
            depth[coveredEnd] -= 1
        }
        let lengths = pieces.map(\.length)
        for start in 0..<count {
            for (index, length) in lengths.enumerated()
            where start + length <= count && text.run[start] == text.run[start + length - 1] {
                let hash = Self.hash(text.bytes[start..<(start + length)])
                let bit = Int(hash >> UInt64(64 - Self.filterBits))
                guard filter[bit >> 6] & (1 << UInt64(bit & 63)) != 0, pieces[index].hashes.contains(hash) else { continue }
                depth[text.starts[start]] += 1
                depth[text.ends[start + length - 1]] -= 1
                // Only what a decided piece covers is carried on; the rest is looked at again with more input.
                if text.starts[start] < decidable { coveredEnd = max(coveredEnd, text.ends[start + length - 1]) }
                break
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(decidable)
        var covered = 0
        for index in 0..<decidable {
            covered += depth[index]
            if covered > 0 {
                if !progress.masking { output.append(contentsOf: Self.mask) }
                progress.masking = true
            } else {
                progress.masking = false
                output.append(bytes[index])
            }
        }
        progress.coveredAhead = max(0, coveredEnd - decidable)
        return (output, decidable)
    }

    // MARK: - Normalized text

    /// Text with separators skipped and `%HH` decoded; for each byte kept, the range of input bytes it came from
    /// and the run (between long separator runs) it belongs to; `lastBreak`, the input offset after which a
    /// long separator run began last (nothing before it can join a later match).
    struct Normalized {
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var ends: [Int] = []
        var run: [Int32] = []
        var lastBreak = 0
    }

    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x3A || byte == 0x2B
    }

    static func normalize(_ input: [UInt8]) -> Normalized {
        var result = Normalized()
        result.bytes.reserveCapacity(input.count)
        result.starts.reserveCapacity(input.count)
        result.ends.reserveCapacity(input.count)
        result.run.reserveCapacity(input.count)
        var index = 0, separators = 0, run: Int32 = 0
        while index < input.count {
            var byte = input[index], next = index + 1
            if byte == 0x25, index + 2 < input.count, let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2]) {
                byte = high << 4 | low
                next = index + 3
            }
            if isSeparator(byte) {
                separators += 1
                if separators == separatorRun + 1 {
                    run += 1
                    result.lastBreak = index
                }
            } else {
                separators = 0
                result.bytes.append(byte)
                result.starts.append(index)
                result.ends.append(next)
                result.run.append(run)
            }
            index = next
        }
        return result
    }

    /// How many bytes at the end of `input` begin a `%HH` escape without completing it (0, 1 or 2).
    static func partialEscape(atEndOf input: [UInt8]) -> Int {
        if input.last == 0x25 { return 1 }
        if input.count >= 2, input[input.count - 2] == 0x25, hexValue(input[input.count - 1]) != nil { return 2 }
        return 0
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// FNV-1a, 64 bits: pieces are compared by hash (a collision only masks a few more bytes).
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    // MARK: - Forms

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

    static func hexForms(_ bytes: [UInt8]) -> [String] {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        return [hex, hex.uppercased()]
    }
}
