import Foundation
import SMPSystem

/// Writes what commands print: results on stdout, diagnostics and progress on stderr.
///
/// Every line passes through `TerminalSafeText`: names, messages and firmware strings come from files and
/// devices, and their control characters must not reach the terminal. One call prints one line.
enum Output {
    static func line(_ text: String) {
        write(TerminalSafeText.escaped(text) + "\n", to: STDOUT_FILENO)
    }

    static func diagnostic(_ text: String) {
        write(TerminalSafeText.escaped(text) + "\n", to: STDERR_FILENO)
    }

    /// Writes all of `text` through the one system-call wrapper. A stdout that fails (a closed pipe with SIGPIPE
    /// ignored, a full disk) ends the program with exit 74 and one line on stderr; a failing stderr, silently.
    static func write(_ text: String, to descriptor: Int32) {
        do {
            try SystemCall.writeAll(descriptor, Array(text.utf8))
        } catch {
            if descriptor != STDERR_FILENO {
                let message = "smpctl: standard output: cannot write: \(error.message)\n"
                try? SystemCall.writeAll(STDERR_FILENO, Array(message.utf8))
            }
            exit(SysExit.ioError.rawValue)
        }
    }

    /// Prints `value` as one JSON document with sorted keys, so that scripts and diffs see a stable shape.
    /// Control characters inside strings are escaped (`TerminalSafeText.escapedJSON`).
    static func json<Value: Encodable>(_ value: Value, toStandardError: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let text = TerminalSafeText.escapedJSON(String(decoding: try encoder.encode(value), as: UTF8.self))
        write(text + "\n", to: toStandardError ? STDERR_FILENO : STDOUT_FILENO)
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
            Output.write("\r\(TerminalSafeText.escaped(label)) [\(bar)] \(percent)%", to: STDERR_FILENO)
            if percent == 100 { Output.write("\n", to: STDERR_FILENO) }
        } else {
            Output.diagnostic("\(label): \(percent)% (\(done)/\(total))")
        }
    }
}
