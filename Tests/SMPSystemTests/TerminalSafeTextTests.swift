import Foundation
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

@Suite("Terminal-safe JSON")
struct TerminalSafeJSONTests {
    @Test("DEL, C1 and bidi controls that JSON encoders pass through are escaped, and the JSON still means the same")
    func escapesAndStaysValid() throws {
        let json = "{\"name\":\"a\u{7F}b\u{9B}2Jc\u{202E}d\"}"
        let escaped = TerminalSafeText.escapedJSON(json)
        #expect(escaped == "{\"name\":\"a\\u007Fb\\u009B2Jc\\u202Ed\"}")
        #expect(!escaped.unicodeScalars.contains(where: TerminalSafeText.needsEscape))
        let decoded = try JSONSerialization.jsonObject(with: Data(escaped.utf8)) as? [String: String]
        #expect(decoded?["name"] == "a\u{7F}b\u{9B}2Jc\u{202E}d")
    }
}
