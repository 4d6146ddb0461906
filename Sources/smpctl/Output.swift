import Foundation
import SMPSystem

/// Writes what commands print: results on stdout, diagnostics and progress on stderr.
///
/// Every line passes through `TerminalSafeText`: names, messages and firmware strings come from files and
/// devices, and their control characters must not reach the terminal. One call prints one line.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((TerminalSafeText.escaped(text) + "\n").utf8))
    }

    static func diagnostic(_ text: String) {
        FileHandle.standardError.write(Data((TerminalSafeText.escaped(text) + "\n").utf8))
    }

    /// Prints `value` as one JSON document with sorted keys, so that scripts and diffs see a stable shape.
    /// Control characters inside strings are escaped (`TerminalSafeText.escapedJSON`).
    static func json<Value: Encodable>(_ value: Value, toStandardError: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let text = TerminalSafeText.escapedJSON(String(decoding: try encoder.encode(value), as: UTF8.self))
        let handle = toStandardError ? FileHandle.standardError : FileHandle.standardOutput
        handle.write(Data((text + "\n").utf8))
    }

    /// True when stderr is a terminal: progress is then a redrawn bar, otherwise plain lines.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}

/// Progress for long work on stderr: a bar redrawn in place on a TTY, a plain line every `step` percent elsewhere.
struct ProgressReporter {
    let label: String
    let total: Int
    private var lastReportedPercent = -1
    private let interactive = Output.stderrIsTerminal

    init(label: String, total: Int) {
        self.label = label
        self.total = max(total, 1)
    }

    mutating func update(_ done: Int) {
        let percent = min(100, done * 100 / total)
        let step = interactive ? 1 : 10
        guard percent / step != lastReportedPercent / step || (percent == 100 && lastReportedPercent != 100) else {
            return
        }
        lastReportedPercent = percent
        if interactive {
            let width = 30
            let filled = percent * width / 100
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\(TerminalSafeText.escaped(label)) [\(bar)] \(percent)%".utf8))
            if percent == 100 { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            Output.diagnostic("\(label): \(percent)% (\(done)/\(total))")
        }
    }
}
