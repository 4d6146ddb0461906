/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the frame check of the wire protocol and the record check
/// of the run journal.
///
/// Chosen over CRC-16 because at the corruption rates the link is tested with, a 16-bit check lets about one corrupt
/// frame in 65,536 through; CRC-32C has Hamming distance 6 up to 5,243 bits, far beyond our 255-byte frames.
/// Slice-by-8 tables: the decoder checks every frame, so this is on the hot path.
public struct CRC32C: Sendable {
    /// The running state, pre-inverted as the algorithm requires.
    @usableFromInline var state: UInt32

    /// Starts a checksum; `seed` continues from an earlier value (as `value` returned it).
    @inlinable
    public init(seed: UInt32 = 0) {
        state = ~seed
    }

    /// The checksum of everything fed so far.
    @inlinable
    public var value: UInt32 { ~state }

    @inlinable
    public mutating func update(_ byte: UInt8) {
        state = CRC32CTables.table0[Int((state ^ UInt32(byte)) & 0xFF)] ^ (state >> 8)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        var index = 0
        let count = bytes.count
        CRC32CTables.sliced.withUnsafeBufferPointer { table in
            while count - index >= 8 {
                let low =
                    UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                    | UInt32(bytes[index + 3]) << 24
                let one = crc ^ low
                let two =
                    UInt32(bytes[index + 4]) | UInt32(bytes[index + 5]) << 8 | UInt32(bytes[index + 6]) << 16
                    | UInt32(bytes[index + 7]) << 24
                crc =
                    table[7 * 256 + Int(one & 0xFF)] ^ table[6 * 256 + Int((one >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((one >> 16) & 0xFF)] ^ table[4 * 256 + Int(one >> 24)]
                    ^ table[3 * 256 + Int(two & 0xFF)] ^ table[2 * 256 + Int((two >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((two >> 16) & 0xFF)] ^ table[Int(two >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }

    // Inlinable, so that callers in other modules get it specialized for their collection type.
    @inlinable
    public mutating func update<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if handled == nil {
            for byte in bytes { update(byte) }
        }
    }

    /// The CRC-32C of `bytes`, continuing from `seed`.
    @inlinable
    public static func checksum<Bytes: Sequence<UInt8>>(_ bytes: Bytes, seed: UInt32 = 0) -> UInt32 {
        var crc = CRC32C(seed: seed)
        crc.update(bytes)
        return crc.value
    }
}

@usableFromInline
enum CRC32CTables {
    static let polynomial: UInt32 = 0x82F6_3B78

    /// Eight 256-entry tables back to back: table k advances a byte that sits k positions further ahead.
    static let sliced: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            var crc = tables[byte]
            for slice in 1..<8 {
                crc = tables[Int(crc & 0xFF)] ^ (crc >> 8)
                tables[slice * 256 + byte] = crc
            }
        }
        return tables
    }()

    @usableFromInline
    static let table0: [UInt32] = Array(sliced[0..<256])
}
