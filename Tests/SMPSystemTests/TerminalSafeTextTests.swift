import SMPSystem
import Testing

@Suite("Terminal-safe text")
struct TerminalSafeTextTests {
    @Test(
        "control characters become visible escapes",
        arguments: [
            ("red\u{1B}[31m", "red\\e[31m"),
            ("clear\u{1B}[2J", "clear\\e[2J"),
            ("two\nlines", "two\\nlines"),
            ("over\rwrite", "over\\rwrite"),
            ("tab\there", "tab\\there"),
            ("nul\u{0}bel\u{7}", "nul\\x00bel\\x07"),
            ("del\u{7F}", "del\\x7F"),
            ("csi\u{9B}2J", "csi\\u{9B}2J"),
            ("nel\u{85}", "nel\\u{85}"),
            ("rtl\u{202E}gpj.exe", "rtl\\u{202E}gpj.exe"),
            ("isolate\u{2066}x\u{2069}", "isolate\\u{2066}x\\u{2069}"),
            ("line\u{2028}sep", "line\\u{2028}sep"),
        ])
    func escapes(input: String, expected: String) {
        #expect(TerminalSafeText.escaped(input) == expected)
    }

    @Test("printable text, accents and symbols pass unchanged")
    func printablePasses() {
        for text in ["crown", "Région ÷ 2 ≥ 1 µm", "a\\b", "", "日本語", "😀"] {
            #expect(TerminalSafeText.escaped(text) == text)
        }
    }

    @Test("no escaped result contains a control character, for every scalar up to U+FFFF")
    func resultIsAlwaysSafe() {
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let escaped = TerminalSafeText.escaped("a" + String(Character(scalar)) + "b")
            #expect(!escaped.unicodeScalars.contains(where: TerminalSafeText.needsEscape))
        }
    }
}
