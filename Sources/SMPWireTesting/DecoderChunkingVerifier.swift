import SMPHardware
import SMPWire

/// Feeds a byte stream to a fresh `FrameDecoder` in every way it could arrive (NIOTestUtils' decoder verifier idea):
/// whole, one byte at a time, split at every single position, and in seeded random chunkings. Every way must give the
/// same events. Returns the first disagreement, or nil.
public enum DecoderChunkingVerifier {
    public static func verify(
        _ stream: [UInt8], schemaHash: UInt32 = WireSchema.hash, randomChunkings: Int = 20, seed: UInt64 = 1
    ) -> String? {
        var reference = FrameDecoder(schemaHash: schemaHash)
        let expected = reference.feed(stream)
        func check(_ chunks: [ArraySlice<UInt8>], _ label: String) -> String? {
            var decoder = FrameDecoder(schemaHash: schemaHash)
            var events: [FrameDecoder.Event] = []
            for chunk in chunks { events += decoder.feed(chunk) }
            return events == expected ? nil : "\(label): \(events.count) events instead of \(expected.count)"
        }
        if let failure = check(stream.indices.map { stream[$0...$0] }, "one byte at a time") { return failure }
        for split in 0...stream.count {
            if let failure = check([stream[..<split], stream[split...]], "split at \(split)") { return failure }
        }
        var random = SeededGenerator(seed: seed)
        for round in 0..<randomChunkings {
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < stream.count {
                let length = Int(random.next() % 17) + 1
                chunks.append(stream[start..<min(stream.count, start + length)])
                start += length
            }
            if let failure = check(chunks, "random chunking \(round)") { return failure }
        }
        return nil
    }
}
