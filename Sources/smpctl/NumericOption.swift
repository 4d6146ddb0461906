import ArgumentParser

/// The ranges numeric options accept, checked in `validate()` so that a value out of range is a usage error
/// (exit 64, one line) before any work starts, and no later arithmetic on it can overflow.
enum NumericOption {
    /// `identify --timeout`: from one hello interval to an hour.
    static let timeoutRange = 100...3_600_000
    /// `--baud`: the slowest and fastest rates a serial backend here can set.
    static let baudRange = 50...4_000_000

    /// Throws a usage error naming `option`, the value and the range unless `value` is in `range`.
    static func check(_ option: String, _ value: Int, in range: ClosedRange<Int>, unit: String) throws {
        guard range.contains(value) else {
            throw ValidationError(
                "\(option) \(value): out of range; expected \(range.lowerBound)-\(range.upperBound) \(unit)")
        }
    }
}
