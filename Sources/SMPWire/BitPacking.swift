/// Packs fixed-width fields most-significant bit first; dot trains use it so that a dot costs bits, not bytes.
public struct BitWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var accumulator: UInt64 = 0
    private var pendingBits = 0

    public init() {}

    /// Appends the low `width` bits of `value` (width 0...32).
    public mutating func write(_ value: UInt64, width: Int) {
        guard width > 0 else { return }
        accumulator = (accumulator << UInt64(width)) | (value & ((1 << UInt64(width)) - 1))
        pendingBits += width
        while pendingBits >= 8 {
            pendingBits -= 8
            bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt64(pendingBits)))
        }
    }

    public mutating func writeSigned(_ value: Int64, width: Int) {
        write(UInt64(bitPattern: value), width: width)
    }

    /// Pads the last byte with zero bits and returns everything written.
    public mutating func finish() -> [UInt8] {
        if pendingBits > 0 {
            bytes.append(UInt8(truncatingIfNeeded: accumulator << UInt64(8 - pendingBits)))
            pendingBits = 0
        }
        accumulator = 0
        return bytes
    }

    /// The number of bits needed to hold `value` as an unsigned field.
    public static func unsignedWidth(_ value: UInt64) -> Int { 64 - value.leadingZeroBitCount }

    /// The number of bits needed to hold `value` as a two's-complement field.
    public static func signedWidth(_ value: Int64) -> Int {
        value >= 0 ? unsignedWidth(UInt64(value)) + (value == 0 ? 0 : 1) : unsignedWidth(UInt64(~value)) + 1
    }
}

/// Reads what `BitWriter` wrote, failing (never trapping) when the payload runs out.
public struct BitReader: Sendable {
    private let bytes: ArraySlice<UInt8>
    private var bitOffset = 0

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    public var bitsRemaining: Int { bytes.count * 8 - bitOffset }

    public mutating func read(width: Int, field: StaticString) throws(MessageDecodingError) -> UInt64 {
        guard width > 0 else { return 0 }
        guard bitsRemaining >= width else { throw .truncated(field: "\(field)", offset: bitOffset / 8) }
        var value: UInt64 = 0
        var needed = width
        while needed > 0 {
            let byte = bytes[bytes.startIndex + bitOffset / 8]
            let available = 8 - bitOffset % 8
            let take = min(available, needed)
            let shifted = UInt64(byte) >> UInt64(available - take)
            value = (value << UInt64(take)) | (shifted & ((1 << UInt64(take)) - 1))
            bitOffset += take
            needed -= take
        }
        return value
    }

    public mutating func readSigned(width: Int, field: StaticString) throws(MessageDecodingError) -> Int64 {
        guard width > 0 else { return 0 }
        let raw = try read(width: width, field: field)
        let signBit: UInt64 = 1 << UInt64(width - 1)
        return raw & signBit != 0 ? Int64(bitPattern: raw | ~((signBit << 1) &- 1)) : Int64(bitPattern: raw)
    }
}
