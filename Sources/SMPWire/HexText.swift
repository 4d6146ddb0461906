/// Hex text as people and tools write captures: `7e 08 ff`, `0x7e,0x08`, `7e:08`, one byte a line, `#` comments.
public enum HexText {
    /// Where and why hex text is not bytes.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var reason: String

        public var description: String { "line \(line), column \(column): \(reason)" }
    }

    public static func bytes(from text: String) throws(ParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var pending: (value: UInt8, column: Int)?
            var previous: Character?
            for (offset, character) in line.enumerated() {
                let column = offset + 1
                if character == "#" { break }
                if character.isWhitespace || character == "," || character == ":" {
                    if let digit = pending {
                        throw ParseError(
                            line: lineNumber, column: digit.column, reason: "a lone hex digit (bytes are pairs)")
                    }
                    previous = character
                    continue
                }
                if character == "x" || character == "X", previous == "0", let digit = pending, digit.value == 0 {
                    pending = nil
                    previous = character
                    continue
                }
                guard let value = character.hexDigitValue else {
                    throw ParseError(line: lineNumber, column: column, reason: "'\(character)' is not a hex digit")
                }
                if let high = pending {
                    bytes.append(high.value << 4 | UInt8(value))
                    pending = nil
                } else {
                    pending = (UInt8(value), column)
                }
                previous = character
            }
            if let digit = pending {
                throw ParseError(line: lineNumber, column: digit.column, reason: "a lone hex digit (bytes are pairs)")
            }
        }
        return bytes
    }
}
