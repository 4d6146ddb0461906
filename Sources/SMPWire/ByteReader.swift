/// Reads the primitive encodings of protocol v1 from a payload, failing with the field name and offset instead of
/// trapping: every payload comes from the wire and is untrusted.
public struct ByteReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    public private(set) var offset: Int
    @usableFromInline let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset >= end }

    public mutating func readByte(_ field: StaticString) throws(MessageDecodingError) -> UInt8 {
        guard offset < end else { throw .truncated(field: "\(field)", offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func readVarint(_ field: StaticString) throws(MessageDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        let start = offset
        while true {
            guard offset < end else { throw .truncated(field: "\(field)", offset: start) }
            let byte = bytes[offset]
            offset += 1
            // The tenth byte may carry only the top bit of a UInt64; anything more is an overlong encoding.
            if shift == 63 && byte > 1 { throw .overflow(field: "\(field)", offset: start) }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    public mutating func readSignedVarint(_ field: StaticString) throws(MessageDecodingError) -> Int64 {
        ZigZag.decode(try readVarint(field))
    }

    /// A varint that must fit the given integer type.
    public mutating func readVarint<T: FixedWidthInteger>(
        _ field: StaticString, as type: T.Type
    ) throws(MessageDecodingError) -> T {
        let start = offset
        let value = try readVarint(field)
        guard let narrowed = T(exactly: value) else { throw .overflow(field: "\(field)", offset: start) }
        return narrowed
    }

    public mutating func readSignedVarint<T: FixedWidthInteger & SignedInteger>(
        _ field: StaticString, as type: T.Type
    ) throws(MessageDecodingError) -> T {
        let start = offset
        let value = try readSignedVarint(field)
        guard let narrowed = T(exactly: value) else { throw .overflow(field: "\(field)", offset: start) }
        return narrowed
    }

    public mutating func readUInt16(_ field: StaticString) throws(MessageDecodingError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated(field: "\(field)", offset: offset) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public mutating func readUInt32(_ field: StaticString) throws(MessageDecodingError) -> UInt32 {
        guard remaining >= 4 else { throw .truncated(field: "\(field)", offset: offset) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    public mutating func readString(
        _ field: StaticString, maxLength: Int = ByteWriter.maximumStringLength
    ) throws(MessageDecodingError) -> String {
        let start = offset
        let length = try readVarint(field)
        guard length <= UInt64(maxLength) else { throw .outOfRange(field: "\(field)", offset: start) }
        guard remaining >= Int(length) else { throw .truncated(field: "\(field)", offset: start) }
        defer { offset += Int(length) }
        guard let text = String(validating: bytes[offset..<offset + Int(length)], as: UTF8.self) else {
            throw .invalidText(field: "\(field)", offset: start)
        }
        return text
    }

    public mutating func readBytes(_ field: StaticString, count: Int) throws(MessageDecodingError) -> ArraySlice<UInt8>
    {
        guard count >= 0, remaining >= count else { throw .truncated(field: "\(field)", offset: offset) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Fails unless the whole payload was consumed: trailing bytes mean the peer speaks another layout.
    public func expectEnd(_ message: String) throws(MessageDecodingError) {
        guard offset == end else { throw .trailingBytes(message: "\(message)", offset: offset) }
    }
}
