import Foundation

extension JSONValue {
    /// What the value is, for "found ..." in messages.
    var summary: String {
        switch self {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number): decimalText(number)
        case .string(let text): "the string \"\(text.count > 40 ? String(text.prefix(40)) + "..." : text)\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One value of a definition file with its JSON path: every read either returns a checked value or throws a
/// ``HardwareDefinitionError`` naming the file, the path, what was found and what was expected.
struct DefinitionNode {
    let value: JSONValue
    let path: String
    let file: String

    /// Definition files are small; anything larger is not one.
    static let maximumFileBytes = 1 << 20

    /// Reads and parses the file at `path`.
    static func read(file path: String) throws(HardwareDefinitionError) -> DefinitionNode {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw HardwareDefinitionError(
                .missing, file: path, found: "no readable file (\((error as NSError).localizedDescription))",
                expected: "a JSON definition file")
        }
        return try parse(data, file: path)
    }

    /// Parses `data`; `file` names it in errors.
    static func parse(_ data: Data, file: String) throws(HardwareDefinitionError) -> DefinitionNode {
        guard data.count <= maximumFileBytes else {
            throw HardwareDefinitionError(
                .badData, file: file, found: "\(data.count) bytes", expected: "a definition file of at most 1 MiB")
        }
        do {
            return DefinitionNode(
                value: try JSONDecoder().decode(JSONValue.self, from: data), path: "", file: file)
        } catch {
            throw HardwareDefinitionError(
                .badData, file: file, found: "text that is not valid JSON (\(syntaxProblem(in: data)))",
                expected: "a JSON object")
        }
    }

    /// Where and what the JSON syntax error is, as `line 3, column 12: Invalid value` when Foundation says where.
    static func syntaxProblem(in data: Data) -> String {
        var detail = "not JSON"
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? detail
        }
        // Foundation names a byte offset ("around character 43"); people want a line and a column.
        guard let range = detail.range(of: "around character "),
            let offset = Int(detail[range.upperBound...].prefix { $0.isNumber })
        else { return detail.trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
        let before = data.prefix(max(0, min(offset, data.count)))
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let column =
            before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 - before.startIndex + 1 } ?? 0) + 1
        let what = detail[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        return "line \(line), column \(column): \(what.isEmpty ? "unexpected text" : what)"
    }

    func fail(found: String? = nil, expected: String) -> HardwareDefinitionError {
        HardwareDefinitionError(.badData, file: file, path: path, found: found ?? value.summary, expected: expected)
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The members of an object that has every `required` key, may have the `optional` ones, and nothing else.
    func object(required: [String], optional: [String] = []) throws(HardwareDefinitionError) -> DefinitionObject {
        guard case .object(let members) = value else { throw fail(expected: "an object") }
        let allowed = Set(required + optional)
        for key in members.keys.sorted() where !allowed.contains(key) {
            throw HardwareDefinitionError(
                .badData, file: file, path: child(key), found: "an unknown key",
                expected: "one of \(allowed.sorted().joined(separator: ", "))")
        }
        for key in required where members[key] == nil {
            throw HardwareDefinitionError(
                .badData, file: file, path: child(key), found: "nothing (the key is missing)", expected: "the key")
        }
        var nodes: [String: DefinitionNode] = [:]
        for (key, member) in members { nodes[key] = DefinitionNode(value: member, path: child(key), file: file) }
        return DefinitionObject(members: nodes)
    }

    func array(count range: ClosedRange<Int>) throws(HardwareDefinitionError) -> [DefinitionNode] {
        guard case .array(let items) = value else { throw fail(expected: "an array") }
        guard range.contains(items.count) else {
            throw fail(found: "\(items.count) entries", expected: "\(range.lowerBound)...\(range.upperBound) entries")
        }
        return items.enumerated().map { DefinitionNode(value: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// A finite number in `range`; `unit` is named in the message.
    func number(in range: ClosedRange<Double>, unit: String = "") throws(HardwareDefinitionError) -> Double {
        let suffix = unit.isEmpty ? "" : " \(unit)"
        let wanted = "a number from \(decimalText(range.lowerBound)) to \(decimalText(range.upperBound))\(suffix)"
        guard case .number(let number) = value, number.isFinite else { throw fail(expected: wanted) }
        guard range.contains(number) else { throw fail(expected: wanted) }
        return number
    }

    /// Any finite number; ranges are checked by the definition's `validate`, which knows how the fields relate.
    func number() throws(HardwareDefinitionError) -> Double {
        guard case .number(let number) = value, number.isFinite else { throw fail(expected: "a number") }
        return number
    }

    /// Any whole number that fits 32 bits; ranges are checked by the definition's `validate`.
    func integer() throws(HardwareDefinitionError) -> Int {
        try integer(in: Int(Int32.min)...Int(Int32.max), wanted: "an integer")
    }

    /// A whole number in `range`.
    func integer(in range: ClosedRange<Int>, wanted: String? = nil) throws(HardwareDefinitionError) -> Int {
        let wanted = wanted ?? "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard case .number(let number) = value, number.isFinite, number == number.rounded(), abs(number) < 9e15
        else { throw fail(expected: wanted) }
        guard range.contains(Int(number)) else { throw fail(expected: wanted) }
        return Int(number)
    }

    /// A string of 1...`maximumBytes` UTF-8 bytes.
    func string(maximumBytes: Int = 4096) throws(HardwareDefinitionError) -> String {
        guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= maximumBytes else {
            throw fail(expected: "a non-empty string of at most \(maximumBytes) bytes")
        }
        return text
    }

    /// Exactly `expectedText`.
    func string(equalTo expectedText: String) throws(HardwareDefinitionError) -> String {
        guard case .string(let text) = value, text == expectedText else { throw fail(expected: "\"\(expectedText)\"") }
        return text
    }
}

/// The checked members of a definition object.
struct DefinitionObject {
    let members: [String: DefinitionNode]

    /// A required member (``DefinitionNode/object(required:optional:)`` has checked it is there).
    subscript(_ key: String) -> DefinitionNode {
        guard let member = members[key] else { preconditionFailure("\(key) was not declared required") }
        return member
    }

    /// An optional member, nil when absent.
    func optional(_ key: String) -> DefinitionNode? { members[key] }
}

/// Short decimal text for messages: no trailing zeros.
func decimalText(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return String(value)
}
