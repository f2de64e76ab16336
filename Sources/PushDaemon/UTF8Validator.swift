/// Incremental UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF), fed fragment by fragment so a bad text message fails at the first bad byte.
struct UTF8Validator {
    private var remaining = 0
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// False as soon as the bytes seen so far cannot be the start of valid UTF-8.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var remaining = self.remaining
        var lower = self.lower
        var upper = self.upper
        defer {
            self.remaining = remaining
            self.lower = lower
            self.upper = upper
        }
        for byte in bytes {
            if remaining == 0 {
                if byte < 0x80 { continue }
                switch byte {
                case 0xC2...0xDF: remaining = 1; lower = 0x80; upper = 0xBF
                case 0xE0: remaining = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE, 0xEF: remaining = 2; lower = 0x80; upper = 0xBF
                case 0xED: remaining = 2; lower = 0x80; upper = 0x9F
                case 0xF0: remaining = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3: remaining = 3; lower = 0x80; upper = 0xBF
                case 0xF4: remaining = 3; lower = 0x80; upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= lower && byte <= upper else { return false }
                remaining -= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// True when no multi-byte sequence is left open.
    var isComplete: Bool { remaining == 0 }

    mutating func reset() { self = UTF8Validator() }
}
