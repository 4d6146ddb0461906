import Foundation

/// Reads from a connection's byte stream until `count` bytes have arrived or the stream ends.
///
/// Takes the iterator, not the stream: dropping an iterator ends an AsyncThrowingStream, so a test makes one and
/// keeps it.
public func collect(
    _ iterator: inout AsyncThrowingStream<[UInt8], any Error>.Iterator,
    count: Int
) async throws -> [UInt8] {
    var received: [UInt8] = []
    while received.count < count, let chunk = try await iterator.next() {
        received += chunk
    }
    return received
}

/// Microseconds from `start` to now: the clock the wire sessions run on in these tools.
func microseconds(since start: ContinuousClock.Instant) -> UInt64 {
    let elapsed = ContinuousClock.now - start
    return UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
}
