import Foundation

/// Reads a JSON definition file and turns every failure into a ``SimulatorInputError`` naming the file and field.
enum JSONFileLoader {
    /// Decodes `Value` from the file at `path`; errors name `path` and the JSON path of the bad field.
    static func load<Value: Decodable>(_ type: Value.Type, from path: String) throws(SimulatorInputError) -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SimulatorInputError(
                .data, source: path, field: "", reason: "cannot read the file (\(reasonText(error)))")
        }
        return try decode(type, from: data, source: path)
    }

    /// Decodes `Value` from `data`; `source` names where the data came from in errors.
    static func decode<Value: Decodable>(
        _ type: Value.Type, from data: Data, source: String
    ) throws(SimulatorInputError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as SimulatorInputError {
            throw error
        } catch let error as DecodingError {
            throw describe(error, source: source)
        } catch {
            throw SimulatorInputError(.data, source: source, field: "", reason: reasonText(error))
        }
    }

    private static func describe(_ error: DecodingError, source: String) -> SimulatorInputError {
        switch error {
        case .keyNotFound(let key, let context):
            return SimulatorInputError(
                .data, source: source, field: path(context.codingPath + [key]), reason: "missing (required)")
        case .typeMismatch(let type, let context):
            return SimulatorInputError(
                .data, source: source, field: path(context.codingPath), reason: "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return SimulatorInputError(
                .data, source: source, field: path(context.codingPath), reason: "expected \(typeName(type)), found null"
            )
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if let underlying = context.underlyingError as? SimulatorInputError {
                return underlying
            }
            let reason = field.isEmpty ? "not valid JSON (\(context.debugDescription))" : context.debugDescription
            return SimulatorInputError(.data, source: source, field: field, reason: reason)
        @unknown default:
            return SimulatorInputError(.data, source: source, field: "", reason: "cannot decode (\(error))")
        }
    }

    /// `axes.x.max_speed_mm_s`, with `[3]` for array elements.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Float.Type: return "a number"
        case is Int.Type, is UInt64.Type, is UInt32.Type, is UInt16.Type: return "an integer"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return "an object or array of the right shape"
        }
    }

    private static func reasonText(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}
