import Dispatch

/// Work split into a fixed number of contiguous chunks, run on all cores or on the calling thread.
///
/// The chunking does not depend on the machine, so anything combined per chunk (sums, in chunk order) comes out
/// bit for bit the same on one core or many.
enum ChunkedWork {
    static let chunks = 8

    /// Calls `body` for each chunk of 0..<total and returns the results in chunk order.
    static func map<T: Sendable>(_ total: Int, parallel: Bool, _ body: @Sendable (Range<Int>) -> T) -> [T] {
        let count = max(1, min(chunks, total))
        let ranges = (0..<count).map { (total * $0 / count)..<(total * ($0 + 1) / count) }
        guard parallel, count > 1 else { return ranges.map(body) }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let slots = ResultSlots(base: results)
        // Each iteration writes only its own slot.
        DispatchQueue.concurrentPerform(iterations: count) { slots.base[$0] = body(ranges[$0]) }
        return results.map { $0! }
    }

    private struct ResultSlots<T>: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<T?>
    }
}
