/// A max-heap of item indices keyed by Double weights, with in-place key decrease. Ties go to the lower index,
/// so elimination order is deterministic.
struct IndexedMaxHeap {
    private(set) var heap: [Int32] = []
    private var position: [Int32]
    private(set) var key: [Double]

    init(keys: [Double]) {
        key = keys
        position = [Int32](repeating: -1, count: keys.count)
        heap = (0..<Int32(keys.count)).map { $0 }
        for i in 0..<heap.count { position[Int(heap[i])] = Int32(i) }
        if heap.count > 1 {
            for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
    }

    var isEmpty: Bool { heap.isEmpty }

    @inline(__always)
    private func above(_ a: Int32, _ b: Int32) -> Bool {
        let ka = key[Int(a)]
        let kb = key[Int(b)]
        return ka > kb || (ka == kb && a < b)
    }

    mutating func popMax() -> Int? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        position[Int(top)] = -1
        if !heap.isEmpty {
            heap[0] = last
            position[Int(last)] = 0
            siftDown(0)
        }
        return Int(top)
    }

    func contains(_ item: Int) -> Bool { position[item] >= 0 }

    /// Lowers an item's key (elimination only ever removes weight).
    mutating func decrease(_ item: Int, by amount: Double) {
        key[item] -= amount
        let p = Int(position[item])
        if p >= 0 { siftDown(p) }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1
            if l >= n { return }
            var best = l
            if l + 1 < n && above(heap[l + 1], heap[l]) { best = l + 1 }
            if !above(heap[best], heap[i]) { return }
            heap.swapAt(i, best)
            position[Int(heap[i])] = Int32(i)
            position[Int(heap[best])] = Int32(best)
            i = best
        }
    }
}
