import Glibc

struct ByteWriter {
    var output: [UInt8] = []

    mutating func u8(_ value: UInt8) { output.append(value) }
    mutating func u16(_ value: UInt16) {
        for shift in [0, 8] { output.append(UInt8(truncatingIfNeeded: value >> UInt16(shift))) }
    }
    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
    mutating func bytes(_ value: [UInt8]) { output += value }
    /// `u16le` length and UTF-8; longer text is cut at a character boundary to the format's limit.
    mutating func string(_ value: String) {
        var utf8 = Array(value.utf8)
        if utf8.count > RecordFormat.maximumStringSize {
            var cut = RecordFormat.maximumStringSize
            while cut > 0 && utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
            utf8 = Array(utf8[..<cut])
        }
        u16(UInt16(utf8.count))
        bytes(utf8)
    }
}

/// Reads fields in place, without copying them out of the file's bytes.
struct ByteReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    /// Advances past `expected` when the next bytes are exactly it.
    mutating func skip(matching expected: [UInt8]) -> Bool {
        guard end - position >= expected.count, RecordFormat.bytes(bytes, at: position, equal: expected) else {
            return false
        }
        position += expected.count
        return true
    }

    mutating func u8() -> UInt8? {
        guard end - position >= 1 else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16? {
        guard end - position >= 2 else { return nil }
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    mutating func u32() -> UInt32? {
        guard end - position >= 4 else { return nil }
        defer { position += 4 }
        return RecordFormat.readU32(bytes, position)
    }

    mutating func string() -> String? {
        guard let count = u16().map(Int.init), count <= RecordFormat.maximumStringSize, end - position >= count else {
            return nil
        }
        defer { position += count }
        return String(validating: bytes[position..<(position + count)], as: UTF8.self)
    }
}
