import Foundation

/// 2-opt and Or-opt local search on a closed tour held as an array with a position index.
///
/// Moves come from each city's nearest neighbours; a FIFO of "dirty" cities (don't-look bits) restarts the
/// search only where the tour changed. Reversals take the shorter side of the cycle, so a move costs at most
/// n / 2 swaps, and moves longer than `maxReversal` are skipped.
struct TwoOptImprover {
    let points: [Point]
    let neighbours: [Int32]
    let k: Int
    private(set) var tour: [Int]
    private var position: [Int]
    private let n: Int

    init(points: [Point], tour: [Int], neighbours: [Int32], k: Int) {
        self.points = points
        self.tour = tour
        self.neighbours = neighbours
        self.k = k
        n = tour.count
        position = [Int](repeating: 0, count: tour.count)
        for (p, c) in tour.enumerated() { position[c] = p }
    }

    @inline(__always) private func d(_ a: Int, _ b: Int) -> Double { points[a].distance(to: points[b]) }
    @inline(__always) private func next(_ c: Int) -> Int { tour[position[c] + 1 == n ? 0 : position[c] + 1] }
    @inline(__always) private func prev(_ c: Int) -> Int { tour[position[c] == 0 ? n - 1 : position[c] - 1] }

    /// Forward length from a to b inclusive (cities).
    @inline(__always) private func span(_ a: Int, _ b: Int) -> Int {
        let l = position[b] - position[a]
        return (l >= 0 ? l : l + n) + 1
    }

    /// Reverses the path a ... b (forward); the complement instead when shorter, which is the same cycle.
    private mutating func reverse(_ a: Int, _ b: Int) {
        var i = position[a]
        var j = position[b]
        var length = span(a, b)
        if 2 * length > n {
            i = position[b] + 1 == n ? 0 : position[b] + 1
            j = position[a] == 0 ? n - 1 : position[a] - 1
            length = n - length
        }
        for _ in 0..<(length / 2) {
            let ci = tour[i]
            let cj = tour[j]
            tour[i] = cj
            position[cj] = i
            tour[j] = ci
            position[ci] = j
            i += 1
            if i == n { i = 0 }
            j -= 1
            if j < 0 { j = n - 1 }
        }
    }

    private func shortSide(_ a: Int, _ b: Int) -> Int {
        let s = span(a, b)
        return min(s, n - s)
    }

    /// Runs until no improving move remains or `budget` evaluations are spent. True if the clock stopped it.
    mutating func run(budget: Int, maxReversal: Int, cutoff: Double) -> Bool {
        guard n >= 5 else { return false }
        let clockStart = Date()
        var queue = tour
        var queued = [Bool](repeating: true, count: n)
        var head = 0
        var evaluations = 0
        var sinceClock = 0
        let eps = 1e-10
        func push(_ c: Int) {
            if !queued[c] {
                queued[c] = true
                queue.append(c)
            }
        }
        while head < queue.count && evaluations < budget {
            let a = queue[head]
            head += 1
            queued[a] = false
            if head > 1 << 20 {
                queue.removeFirst(head)
                head = 0
            }
            sinceClock += 1
            if sinceClock >= 4096 {
                sinceClock = 0
                if Date().timeIntervalSince(clockStart) > cutoff { return true }
            }
            var improved = false
            // 2-opt, both tour directions at a.
            for direction in 0..<2 where !improved {
                let b = direction == 0 ? next(a) : prev(a)
                let dab = d(a, b)
                for s in 0..<k {
                    let c = Int(neighbours[a * k + s])
                    if c < 0 { break }
                    evaluations += 1
                    let dac = d(a, c)
                    if dac >= dab { break }
                    let dd = direction == 0 ? next(c) : prev(c)
                    if c == b || dd == a { continue }
                    let delta = dac + d(b, dd) - dab - d(c, dd)
                    if delta < -eps {
                        let (from, to) = direction == 0 ? (b, c) : (c, b)
                        if shortSide(from, to) > maxReversal { continue }
                        reverse(from, to)
                        push(a)
                        push(b)
                        push(c)
                        push(dd)
                        improved = true
                        break
                    }
                }
            }
            if improved {
                push(a)
                continue
            }
            // Or-opt: move the segment of 1-3 cities starting at a (forward) between a neighbour and its successor.
            var segmentEnd = a
            for length in 1...3 where !improved {
                if length > 1 { segmentEnd = next(segmentEnd) }
                let p = prev(a)
                let q = next(segmentEnd)
                if q == a || p == segmentEnd || q == p { break }
                let removeGain = d(p, a) + d(segmentEnd, q) - d(p, q)
                if removeGain <= eps { continue }
                for end in [a, segmentEnd] where !improved {
                    for s in 0..<k {
                        let c = Int(neighbours[end * k + s])
                        if c < 0 { break }
                        evaluations += 1
                        if d(end, c) >= removeGain { break }
                        // c must lie outside the segment, and c -> e must not be an edge touching it.
                        if inSegment(c, a, length) { continue }
                        for side in 0..<2 where !improved {
                            let c1 = side == 0 ? c : prev(c)
                            let e1 = side == 0 ? next(c) : c
                            if inSegment(c1, a, length) || inSegment(e1, a, length) { continue }
                            if c1 == p && e1 == a { continue }
                            let addPlain = d(c1, a) + d(segmentEnd, e1) - d(c1, e1)
                            let addReversed = d(c1, segmentEnd) + d(a, e1) - d(c1, e1)
                            let add = min(addPlain, addReversed)
                            if add < removeGain - eps {
                                if applyOrMove(
                                    first: a, last: segmentEnd, after: c1, before: e1, reversed: addReversed < addPlain,
                                    maxReversal: maxReversal)
                                {
                                    for x in [p, q, c1, e1, a, segmentEnd] { push(x) }
                                    improved = true
                                }
                            }
                        }
                    }
                }
            }
        }
        return false
    }

    private func inSegment(_ c: Int, _ first: Int, _ length: Int) -> Bool {
        let offset = position[c] - position[first]
        let o = offset >= 0 ? offset : offset + n
        return o < length
    }

    /// Reverses the contiguous block holding first and last, whichever way the tour now reads it.
    private mutating func flipSegment(_ first: Int, _ last: Int) {
        if first == last { return }
        if shortSide(first, last) == span(first, last) && span(first, last) <= span(last, first) {
            reverse(first, last)
        } else {
            reverse(last, first)
        }
    }

    /// Moves the path first...last (forward) to between `after` and `before` (an edge, after -> before forward),
    /// optionally reversed, using reversals. False when the reversals would be too long.
    private mutating func applyOrMove(
        first: Int, last: Int, after: Int, before: Int, reversed: Bool, maxReversal: Int
    ) -> Bool {
        let p = prev(first)
        let q = next(last)
        // Orient so that the target edge lies after the segment: p [first..last] q ... after before.
        if shortSide(first, after) > maxReversal && shortSide(before, last) > maxReversal { return false }
        if span(q, after) <= span(before, p) {
            // p [F..L] q ... after before  ->  reverse(F..after): p after ... q L..F before
            reverse(first, after)
            // now the block q...after is reversed between p and the segment; restore its direction.
            if next(p) == after { reverse(after, q) } else { reverse(q, after) }
            // segment is now reversed (L..F) before `before`; flip it back unless reversed insertion is wanted.
            if !reversed { flipSegment(first, last) }
        } else {
            // after before ... p [F..L] q  ->  reverse(before..last): after L..F p ... before q
            reverse(before, last)
            if next(first) == p { reverse(p, before) } else { reverse(before, p) }
            if !reversed { flipSegment(first, last) }
        }
        return true
    }
}
