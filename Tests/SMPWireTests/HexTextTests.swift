import Testing

@testable import SMPWire

@Suite("Hex text captures")
struct HexTextTests {
    @Test(
        "the ways people write bytes all read the same",
        arguments: [
            "7e 08 ff", "7e08ff", "0x7e,0x08,0xff", "7E:08:FF", "7e\n08 # a comment 12\nff\n", "  0x7e 0x08\tff",
        ])
    func accepted(text: String) throws {
        #expect(try HexText.bytes(from: text) == [0x7E, 0x08, 0xFF])
    }

    @Test("bad text is refused with its line and column")
    func refused() {
        #expect(throws: HexText.ParseError(line: 2, column: 4, reason: "'z' is not a hex digit")) {
            try HexText.bytes(from: "7e 08\nff z1")
        }
        #expect(throws: HexText.ParseError(line: 1, column: 4, reason: "a lone hex digit (bytes are pairs)")) {
            try HexText.bytes(from: "7e 8 ff")
        }
        #expect(throws: HexText.ParseError(line: 1, column: 3, reason: "a lone hex digit (bytes are pairs)")) {
            try HexText.bytes(from: "7e0")
        }
    }

    @Test("an empty capture is no bytes, not an error")
    func empty() throws {
        #expect(try HexText.bytes(from: "").isEmpty)
        #expect(try HexText.bytes(from: "# nothing here\n\n").isEmpty)
    }
}
