/// JSON keys of wire types are snake_case (`session_id`, `max_speed_xy_micrometres_per_second`). Foundation's
/// `.convertFromSnakeCase` cannot restore acronyms (`sessionId` is not `sessionID`), so decoders map keys with this.
public enum WireJSONKeys {
    private static let acronyms: [String: String] = ["Id": "ID", "Xy": "XY"]

    public static func camelCase(fromSnakeCase key: String) -> String {
        let words = key.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = words.first else { return key }
        var result = String(first)
        for word in words.dropFirst() {
            let capitalized = word.prefix(1).uppercased() + word.dropFirst()
            result += acronyms[capitalized] ?? capitalized
        }
        return result
    }
}
