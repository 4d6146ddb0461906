import Foundation
import SMPHardware

extension JSONValue {
    /// The value itself for a message, short: numbers rounded, strings quoted, cut and with control characters
    /// escaped; arrays and objects by their type.
    var foundText: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let d): decimal(d)
        case .string(let s): "\"\(printableText(s, limit: 40))\""
        case .array, .object: typeName
        }
    }
}

/// Text from a file made safe for a one-line message: control characters as escapes, cut at `limit` characters.
func printableText(_ text: String, limit: Int = 80) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count >= limit {
            out += "..."
            break
        }
        switch scalar.value {
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0..<0x20, 0x7F, 0x80..<0xA0: out += String(format: "\\u{%X}", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return out
}

/// A JSON value together with its path in the document, for reading with errors that say where and what.
struct JSONNode {
    let value: JSONValue
    let path: String
    let file: String
    /// Where the document's values start, and this value's number in it (see `JSONSourceMap`); nil for values
    /// that did not come from `JSONNode.document`.
    var map: JSONSourceMap? = nil
    var index: Int = 0

    /// Parses a whole file; a syntax error names the line and column and what was expected there.
    static func document(_ data: Data, file: String) throws -> JSONNode {
        do {
            let (value, map) = try JSONParser.parse(data)
            return JSONNode(value: value, path: "", file: file, map: map, index: 0)
        } catch {
            let (line, column) = JSONParser.lineAndColumn(of: error.offset, in: data)
            throw PlanError(
                file: file, location: "", reason: "malformed JSON: \(error.reason)", line: line, column: column)
        }
    }

    func fail(_ reason: String) -> PlanError {
        let position = map?.position(of: index)
        return PlanError(file: file, location: path, reason: reason, line: position?.line, column: position?.column)
    }

    /// An error about member `key` of this object (which may be missing): placed at the object.
    func fail(member key: String, _ reason: String) -> PlanError {
        let position = map?.position(of: index)
        return PlanError(
            file: file, location: child(key), reason: reason, line: position?.line, column: position?.column)
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func object(allowed: Set<String>) throws -> [String: JSONNode] {
        guard case .object(let members) = value else { throw fail("expected an object, found \(value.typeName)") }
        var indices: [String: Int] = [:]
        if let map {
            for c in map.children(of: index) { if let key = map.key(of: c) { indices[key] = c } }
        }
        var result: [String: JSONNode] = [:]
        for key in members.keys.sorted() {
            let node = JSONNode(
                value: members[key] ?? .null, path: child(key), file: file, map: map, index: indices[key] ?? -1)
            guard allowed.contains(key) else {
                throw node.fail("unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            result[key] = node
        }
        return result
    }

    /// Member `key` of this value if it is an object that has one, placed in the document like `object`'s members
    /// (the other keys are not checked).
    func member(_ key: String) -> JSONNode? {
        guard case .object(let members) = value, let member = members[key] else { return nil }
        let position = map.flatMap { map in map.children(of: index).first { map.key(of: $0) == key } }
        return JSONNode(value: member, path: child(key), file: file, map: map, index: position ?? -1)
    }

    func array(minCount: Int = 0, maxCount: Int = Int.max) throws -> [JSONNode] {
        guard case .array(let items) = value else { throw fail("expected an array, found \(value.typeName)") }
        guard items.count >= minCount else { throw fail("expected at least \(minCount) entries, found \(items.count)") }
        guard items.count <= maxCount else { throw fail("expected at most \(maxCount) entries, found \(items.count)") }
        let indices = map?.children(of: index)
        return items.enumerated().map {
            JSONNode(value: $1, path: "\(path)[\($0)]", file: file, map: map, index: indices?[$0] ?? -1)
        }
    }

    func number(in range: ClosedRange<Double>? = nil, what: String = "a number") throws -> Double {
        guard case .number(let d) = value, d.isFinite else { throw fail("expected \(what), found \(value.foundText)") }
        if let range, !range.contains(d) {
            throw fail(
                "expected \(what) between \(decimal(range.lowerBound)) and \(decimal(range.upperBound)), found \(decimal(d))"
            )
        }
        return d
    }

    func integer(in range: ClosedRange<Int>) throws -> Int {
        guard case .number(let d) = value, d.isFinite, d == d.rounded(), abs(d) < 9e15 else {
            throw fail(
                "expected an integer between \(range.lowerBound) and \(range.upperBound), found \(value.foundText)")
        }
        let i = Int(d)
        guard range.contains(i) else {
            throw fail("expected an integer between \(range.lowerBound) and \(range.upperBound), found \(i)")
        }
        return i
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw fail("expected a string, found \(value.foundText)") }
        return s
    }

    /// `[x, y]` in millimetres.
    func point() throws -> Point {
        let pair = try array()
        guard pair.count == 2 else { throw fail("expected [x, y] (two numbers, mm), found \(pair.count) entries") }
        let x = try pair[0].number(in: -1e6...1e6, what: "x in mm")
        let y = try pair[1].number(in: -1e6...1e6, what: "y in mm")
        return Point(x, y)
    }

    func points(minCount: Int, maxCount: Int = 1_000_000) throws -> [Point] {
        try array(minCount: minCount, maxCount: maxCount).map { try $0.point() }
    }
}

/// An integer with thousands separators, for counts in messages: 150,000,000.
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return value < 0 ? "-" + out : out
}

/// Short decimal text for messages: at most six decimals (a micrometre in mm), no trailing zeros, so that an
/// area of 0.009000000000014552 reads 0.009.
func decimal(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    if abs(value) < 1e-6 || abs(value) >= 1e15 { return String(format: "%.3g", value) }
    var text = String(format: "%.6f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text == "-0" ? "0" : text
}
