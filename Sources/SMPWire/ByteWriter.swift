/// Appends the primitive encodings of protocol v1: little-endian integers and LEB128 varints.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ byte: UInt8) { bytes.append(byte) }

    public mutating func write<Bytes: Sequence<UInt8>>(contentsOf other: Bytes) { bytes.append(contentsOf: other) }

    /// Unsigned LEB128: seven bits a byte, low bits first, high bit set on every byte but the last.
    public mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    /// Signed values as zigzag-mapped LEB128, so that small magnitudes of either sign stay short.
    public mutating func writeSignedVarint(_ value: Int64) {
        writeVarint(ZigZag.encode(value))
    }

    public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// The longest string field, in UTF-8 bytes; `ByteReader.readString` refuses longer ones.
    public static let maximumStringLength = 64

    /// A UTF-8 string with a varint length prefix; longer than `maximumStringLength` is refused, since the peer
    /// would refuse it.
    public mutating func writeString(_ value: String, field: String) throws(MessageEncodingError) {
        let utf8 = Array(value.utf8)
        guard utf8.count <= Self.maximumStringLength else { throw .outOfRange(field: field, index: utf8.count) }
        writeVarint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Zigzag mapping: 0, -1, 1, -2, 2 ... -> 0, 1, 2, 3, 4 ...
public enum ZigZag {
    @inlinable
    public static func encode(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    @inlinable
    public static func decode(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }
}
