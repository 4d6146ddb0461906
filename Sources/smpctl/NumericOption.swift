import ArgumentParser
import SMPHardware

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

/// `--baud`, for the commands that open a board's port.
struct LineSpeedOption: ParsableArguments {
    // `.unconditional`: a value starting with '-' is the option's value ("--baud -5" is refused as out of
    // range), not a missing value followed by an unknown option.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Line speed in baud, \(NumericOption.baudRange.lowerBound)-\(NumericOption.baudRange.upperBound) "
                + "(default: the board definition's, else 921600)."))
    var baud: Int?

    func validate() throws {
        if let baud { try NumericOption.check("--baud", baud, in: NumericOption.baudRange, unit: "baud") }
    }

    /// The speed to open the port at: the option's, else the board definition's, else 921600.
    func rate(for board: BoardDefinition?) -> Int { baud ?? board?.serial.baud ?? 921_600 }
}
