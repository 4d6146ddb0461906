import Foundation
import SMPHardware

/// A strict JSON (RFC 8259) reader that keeps where each value starts, so that every message can give a line and
/// a column. Foundation's decoder says only "The given data was not valid JSON." and turns a number out of range
/// into a type mismatch about strings.
///
/// Bounded on untrusted input: one pass over the bytes, nesting at most `maxDepth`, no duplicate keys.
enum JSONParser {
    static let maxDepth = 256

    struct SyntaxError: Error, Equatable {
        /// Byte offset of the problem.
        var offset: Int
        var reason: String
    }

    /// Parses `data` into a value and the map of where its parts start.
    static func parse(_ data: Data) throws(SyntaxError) -> (JSONValue, JSONSourceMap) {
        let bytes = [UInt8](data)
        var reader = Reader(bytes: bytes)
        let value = try reader.document()
        let map = JSONSourceMap(
            bytes: bytes, offsets: reader.offsets, subtreeEnds: reader.subtreeEnds, memberKeys: reader.memberKeys)
        return (value, map)
    }

    /// The offset of `offset` as 1-based line and column, for messages about a syntax error.
    static func lineAndColumn(of offset: Int, in data: Data) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        var i = 0
        for byte in data {
            if i >= offset { break }
            if byte == 0x0A {
                line += 1
                lineStart = i + 1
            }
            i += 1
        }
        return (line, offset - lineStart + 1)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0
        var depth = 0
        /// Preorder: each value's start offset and the preorder index just past its subtree.
        var offsets: [Int32] = []
        var subtreeEnds: [Int32] = []
        /// The key of each object member, by the member value's preorder index.
        var memberKeys: [Int32: String] = [:]

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ reason: String, at offset: Int? = nil) -> SyntaxError {
            SyntaxError(offset: offset ?? position, reason: reason)
        }

        func describe(_ offset: Int) -> String {
            guard offset < bytes.count else { return "the end of the file" }
            let b = bytes[offset]
            if b >= 0x21 && b < 0x7F { return "'\(Character(UnicodeScalar(b)))'" }
            return String(format: "byte 0x%02X", b)
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func document() throws(SyntaxError) -> JSONValue {
            // A UTF-8 byte order mark is not JSON, but editors write one; skip it.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
            skipWhitespace()
            guard position < bytes.count else { throw fail("the file is empty; expected a JSON object") }
            let value = try self.value()
            skipWhitespace()
            guard position == bytes.count else {
                throw fail("\(describe(position)) after the end of the document; expected nothing more")
            }
            return value
        }

        mutating func value() throws(SyntaxError) -> JSONValue {
            skipWhitespace()
            guard position < bytes.count else { throw fail("the file ends early; expected a value") }
            let index = offsets.count
            offsets.append(Int32(truncatingIfNeeded: position))
            subtreeEnds.append(0)
            let result: JSONValue
            switch bytes[position] {
            case UInt8(ascii: "{"): result = try object()
            case UInt8(ascii: "["): result = try array()
            case UInt8(ascii: "\""): result = .string(try string())
            case UInt8(ascii: "t"): result = try literal("true", .bool(true))
            case UInt8(ascii: "f"): result = try literal("false", .bool(false))
            case UInt8(ascii: "n"): result = try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): result = .number(try number())
            default:
                throw fail("\(describe(position)); expected a value (object, array, string, number, true, false, null)")
            }
            subtreeEnds[index] = Int32(truncatingIfNeeded: offsets.count)
            return result
        }

        mutating func literal(_ word: String, _ value: JSONValue) throws(SyntaxError) -> JSONValue {
            let utf8 = Array(word.utf8)
            guard position + utf8.count <= bytes.count, Array(bytes[position..<(position + utf8.count)]) == utf8
            else { throw fail("\(describe(position)); expected a value (did you mean \(word)?)") }
            position += utf8.count
            return value
        }

        mutating func enter() throws(SyntaxError) {
            depth += 1
            guard depth <= JSONParser.maxDepth else {
                throw fail("nested deeper than \(JSONParser.maxDepth) arrays and objects; refused")
            }
        }

        mutating func object() throws(SyntaxError) -> JSONValue {
            try enter()
            let open = position
            position += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw fail("\(describe(position)) in the object opened at byte \(open); expected a key in quotes")
                }
                let keyOffset = position
                let key = try string()
                guard members[key] == nil else {
                    throw fail(
                        "key \"\(Self.printable(key))\" appears twice in one object; expected it once", at: keyOffset)
                }
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw fail("\(describe(position)) after key \"\(Self.printable(key))\"; expected ':'")
                }
                position += 1
                memberKeys[Int32(truncatingIfNeeded: offsets.count)] = key
                members[key] = try value()
                skipWhitespace()
                guard position < bytes.count else { throw fail("the file ends inside an object; expected '}'") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "}") else {
                    throw fail("\(describe(position)) after an object member; expected ',' or '}'")
                }
                position += 1
                depth -= 1
                return .object(members)
            }
        }

        mutating func array() throws(SyntaxError) -> JSONValue {
            try enter()
            position += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(items)
            }
            while true {
                items.append(try value())
                skipWhitespace()
                guard position < bytes.count else { throw fail("the file ends inside an array; expected ']'") }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                guard bytes[position] == UInt8(ascii: "]") else {
                    throw fail("\(describe(position)) after an array element; expected ',' or ']'")
                }
                position += 1
                depth -= 1
                return .array(items)
            }
        }

        mutating func number() throws(SyntaxError) -> Double {
            let start = position
            func digits() -> Int {
                let from = position
                while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
                return position - from
            }
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            let intStart = position
            guard digits() > 0 else { throw fail("\(describe(position)) after '-'; expected a digit") }
            if bytes[intStart] == UInt8(ascii: "0") && position - intStart > 1 {
                throw fail("number with a leading zero; expected JSON number syntax", at: start)
            }
            if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw fail("\(describe(position)) after '.'; expected a digit") }
            }
            if position < bytes.count && (bytes[position] | 0x20) == UInt8(ascii: "e") {
                position += 1
                if position < bytes.count
                    && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-"))
                {
                    position += 1
                }
                guard digits() > 0 else { throw fail("\(describe(position)) in an exponent; expected a digit") }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw fail(
                    "number \(text.prefix(40)) is out of range; expected a finite number (at most about 1.8e308)",
                    at: start)
            }
            return value
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("the file ends inside a \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let b = bytes[position]
                let digit: UInt32
                switch b {
                case 0x30...0x39: digit = UInt32(b - 0x30)
                case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
                default: throw fail("\(describe(position)) in a \\u escape; expected 4 hex digits")
                }
                v = v << 4 | digit
                position += 1
            }
            return v
        }

        mutating func string() throws(SyntaxError) -> String {
            let open = position
            position += 1
            var out: [UInt8] = []
            var runStart = position
            while true {
                guard position < bytes.count else {
                    throw fail("the file ends inside the string opened here; expected a closing '\"'", at: open)
                }
                let b = bytes[position]
                if b == UInt8(ascii: "\"") {
                    out.append(contentsOf: bytes[runStart..<position])
                    position += 1
                    break
                }
                if b < 0x20 {
                    throw fail("control character \(String(format: "0x%02X", b)) in a string; expected it escaped")
                }
                guard b == UInt8(ascii: "\\") else {
                    position += 1
                    continue
                }
                out.append(contentsOf: bytes[runStart..<position])
                position += 1
                guard position < bytes.count else { throw fail("the file ends inside an escape") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    let escapeStart = position - 2
                    var scalar = try hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw fail("lone surrogate \\u escape; expected a surrogate pair", at: escapeStart) }
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else {
                            throw fail("lone surrogate \\u escape; expected a surrogate pair", at: escapeStart)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw fail("lone surrogate \\u escape; expected a surrogate pair", at: escapeStart)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw fail("invalid \\u escape", at: escapeStart)
                    }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default:
                    throw fail("unknown escape '\\\(describe(position - 1))'; expected one of \\\" \\\\ / b f n r t u")
                }
                runStart = position
            }
            guard let text = String(validating: out, as: UTF8.self) else {
                throw fail("the string is not valid UTF-8; expected UTF-8 text", at: open)
            }
            return text
        }

        /// Key text for a message: control characters escaped, long keys cut.
        static func printable(_ key: String) -> String {
            String(key.prefix(60).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        }
    }
}

/// Where each value of a parsed document starts: values are numbered in document order (preorder), so an array's
/// first element is the next number after the array and each sibling follows the subtree of the one before.
final class JSONSourceMap: Sendable {
    private let offsets: [Int32]
    private let subtreeEnds: [Int32]
    private let memberKeys: [Int32: String]
    private let lineStarts: [Int]

    init(bytes: [UInt8], offsets: [Int32], subtreeEnds: [Int32], memberKeys: [Int32: String]) {
        self.offsets = offsets
        self.subtreeEnds = subtreeEnds
        self.memberKeys = memberKeys
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        lineStarts = starts
    }

    /// Preorder numbers of the children of value `index` (array elements in order, object members in file order).
    func children(of index: Int) -> [Int] {
        guard index < offsets.count else { return [] }
        var result: [Int] = []
        var child = index + 1
        let end = Int(subtreeEnds[index])
        while child < end {
            result.append(child)
            child = Int(subtreeEnds[child])
        }
        return result
    }

    /// The key under which value `index` sits in its object.
    func key(of index: Int) -> String? { memberKeys[Int32(truncatingIfNeeded: index)] }

    /// 1-based line and column of value `index`.
    func position(of index: Int) -> (line: Int, column: Int)? {
        guard index >= 0, index < offsets.count else { return nil }
        let offset = Int(offsets[index])
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, offset - lineStarts[lo] + 1)
    }
}
