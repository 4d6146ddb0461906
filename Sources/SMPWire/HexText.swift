/// Hex text as people and tools write captures: `7e 08 ff`, `0x7e,0x08`, `7e:08`, one byte a line, `#` comments.
///
/// Lines are independent: a byte's two digits are on one line, and a `#` comment runs to the end of its line.
/// ``Decoder`` reads such text in chunks of any size with bounded memory; ``bytes(from:)`` decodes a whole text.
public enum HexText {
    /// Where and why hex text is not bytes. Lines and columns count from 1; columns count bytes of the line.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var reason: String

        public init(line: Int, column: Int, reason: String) {
            self.line = line
            self.column = column
            self.reason = reason
        }

        public var description: String { "line \(line), column \(column): \(reason)" }
    }

    public static func bytes(from text: String) throws(ParseError) -> [UInt8] {
        var decoder = Decoder()
        var bytes = try decoder.feed(Array(text.utf8))
        bytes += try decoder.finish()
        return bytes
    }

    /// A streaming hex-text decoder: feed it text in chunks split anywhere, get the bytes so far.
    public struct Decoder: Sendable {
        private var line = 1
        private var column = 0
        /// The high digit of a byte, and its column.
        private var pending: (value: UInt8, column: Int)?
        private var previous: UInt8?
        private var inComment = false

        public init() {}

        /// The bytes the text in `chunk` encodes, or the first error.
        public mutating func feed(_ chunk: some Sequence<UInt8>) throws(ParseError) -> [UInt8] {
            var bytes: [UInt8] = []
            for character in chunk {
                if character == UInt8(ascii: "\n") {
                    try endLine()
                    continue
                }
                column += 1
                if inComment { continue }
                switch character {
                case UInt8(ascii: "#"):
                    inComment = true
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C, UInt8(ascii: ","),
                    UInt8(ascii: ":"):
                    if let digit = pending {
                        throw ParseError(line: line, column: digit.column, reason: "a lone hex digit (bytes are pairs)")
                    }
                case _
                where (character | 0x20) == UInt8(ascii: "x") && previous == UInt8(ascii: "0") && pending?.value == 0:
                    pending = nil
                default:
                    guard let value = Self.digitValue(character) else {
                        throw ParseError(line: line, column: column, reason: Self.notHex(character))
                    }
                    if let high = pending {
                        bytes.append(high.value << 4 | value)
                        pending = nil
                    } else {
                        pending = (value, column)
                    }
                }
                previous = character
            }
            return bytes
        }

        /// Ends the text: a lone digit on the last line is an error.
        public mutating func finish() throws(ParseError) -> [UInt8] {
            try endLine()
            return []
        }

        private mutating func endLine() throws(ParseError) {
            if let digit = pending {
                throw ParseError(line: line, column: digit.column, reason: "a lone hex digit (bytes are pairs)")
            }
            line += 1
            column = 0
            previous = nil
            inComment = false
        }

        private static func digitValue(_ character: UInt8) -> UInt8? {
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
            default: return nil
            }
        }

        private static func notHex(_ character: UInt8) -> String {
            guard character >= 0x20 && character < 0x7F else {
                let hex = String(character, radix: 16, uppercase: true)
                return "byte 0x\(hex.count == 1 ? "0" + hex : hex) is not a hex digit"
            }
            return "'\(Character(Unicode.Scalar(character)))' is not a hex digit"
        }
    }
}
