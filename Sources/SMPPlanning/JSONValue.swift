import Foundation

/// A parsed JSON document that keeps booleans apart from numbers, so that the plan reader can say exactly
/// which value at which path has the wrong type.
enum JSONValue: Sendable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in keyed.allKeys { members[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key) }
            self = .object(members)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let b = try? single.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? single.decode(Double.self) {
            self = .number(d)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// A JSON value together with its path in the document, for reading with errors that say where and what.
struct JSONNode {
    let value: JSONValue
    let path: String
    let file: String

    func fail(_ reason: String) -> PlanError { PlanError(file: file, location: path, reason: reason) }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func object(allowed: Set<String>) throws -> [String: JSONNode] {
        guard case .object(let members) = value else { throw fail("expected an object, found \(value.typeName)") }
        var result: [String: JSONNode] = [:]
        for key in members.keys.sorted() {
            guard allowed.contains(key) else {
                throw PlanError(
                    file: file, location: child(key),
                    reason: "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
            if let member = members[key] { result[key] = JSONNode(value: member, path: child(key), file: file) }
        }
        return result
    }

    func array(minCount: Int = 0, maxCount: Int = Int.max) throws -> [JSONNode] {
        guard case .array(let items) = value else { throw fail("expected an array, found \(value.typeName)") }
        guard items.count >= minCount else { throw fail("expected at least \(minCount) entries, found \(items.count)") }
        guard items.count <= maxCount else { throw fail("expected at most \(maxCount) entries, found \(items.count)") }
        return items.enumerated().map { JSONNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    func number(in range: ClosedRange<Double>? = nil, what: String = "a number") throws -> Double {
        guard case .number(let d) = value, d.isFinite else { throw fail("expected \(what), found \(value.typeName)") }
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
                "expected an integer between \(range.lowerBound) and \(range.upperBound), found \(value.typeName)")
        }
        let i = Int(d)
        guard range.contains(i) else {
            throw fail("expected an integer between \(range.lowerBound) and \(range.upperBound), found \(i)")
        }
        return i
    }

    func string() throws -> String {
        guard case .string(let s) = value else { throw fail("expected a string, found \(value.typeName)") }
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

/// Short decimal text for messages: no trailing zeros.
func decimal(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return String(value)
}
