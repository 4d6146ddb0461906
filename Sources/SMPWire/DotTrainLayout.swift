/// The change from one dot to the next, as a train record holds it.
struct DotDelta {
    var idGap: UInt64
    var dx: Int64
    var dy: Int64
    var dt: UInt64
    var dHang: Int64

    /// Nil when ids or start times do not strictly increase.
    init?(from previous: DotCommand, to next: DotCommand) {
        guard next.id > previous.id, next.startTime > previous.startTime else { return nil }
        idGap = UInt64(next.id - previous.id - 1)
        dx = Int64(next.xMicrometres) - Int64(previous.xMicrometres)
        dy = Int64(next.yMicrometres) - Int64(previous.yMicrometres)
        dt = next.startTime - previous.startTime
        dHang = Int64(next.hangMicrometres) - Int64(previous.hangMicrometres)
    }

    init(idGap: UInt64, dx: Int64, dy: Int64, dt: UInt64, dHang: Int64) {
        self.idGap = idGap
        self.dx = dx
        self.dy = dy
        self.dt = dt
        self.dHang = dHang
    }

    static func deltas(of dots: ArraySlice<DotCommand>) throws(MessageEncodingError) -> [DotDelta] {
        var deltas: [DotDelta] = []
        deltas.reserveCapacity(dots.count)
        var index = dots.startIndex + 1
        while index < dots.endIndex {
            guard let delta = DotDelta(from: dots[index - 1], to: dots[index]) else {
                let timeIncreases = dots[index].startTime > dots[index - 1].startTime
                throw .notIncreasing(field: timeIncreases ? "dots.id" : "dots.start_time", index: index)
            }
            deltas.append(delta)
            index += 1
        }
        return deltas
    }
}

/// The quanta and field widths of one train's records, chosen to minimise its size.
struct DotTrainLayout {
    static let widthCount = 5

    let positionQuantum: UInt64
    let timeQuantum: UInt64
    /// The smallest time delta in quanta; records hold the excess over it.
    let timeBase: UInt64
    let idGapWidth: Int
    let narrowPositionWidth: Int
    let widePositionWidth: Int
    let timeWidth: Int
    let hangWidth: Int

    var widths: [Int] { [idGapWidth, narrowPositionWidth, widePositionWidth, timeWidth, hangWidth] }
    private var hasWideRecords: Bool { widePositionWidth > narrowPositionWidth }

    init(positionQuantum: UInt64, timeQuantum: UInt64, timeBase: UInt64, widths: [Int]) {
        self.positionQuantum = positionQuantum
        self.timeQuantum = timeQuantum
        self.timeBase = timeBase
        idGapWidth = widths[0]
        narrowPositionWidth = widths[1]
        widePositionWidth = max(widths[2], widths[1])
        timeWidth = widths[3]
        hangWidth = widths[4]
    }

    init(_ deltas: [DotDelta]) {
        var positionGCD: UInt64 = 0
        var timeGCD: UInt64 = 0
        var maxIDGap: UInt64 = 0
        var hangWidth = 0
        for delta in deltas {
            positionGCD = gcd(gcd(positionGCD, delta.dx.magnitude), delta.dy.magnitude)
            timeGCD = gcd(timeGCD, delta.dt)
            maxIDGap = max(maxIDGap, delta.idGap)
            hangWidth = max(hangWidth, BitWriter.signedWidth(delta.dHang))
        }
        positionQuantum = max(positionGCD, 1)
        timeQuantum = max(timeGCD, 1)
        let quantum = Int64(positionQuantum)
        var minTime = UInt64.max
        var maxTime: UInt64 = 0
        var positionWidths = [Int](repeating: 0, count: 66)
        for delta in deltas {
            let width = max(BitWriter.signedWidth(delta.dx / quantum), BitWriter.signedWidth(delta.dy / quantum))
            positionWidths[width] += 1
            minTime = min(minTime, delta.dt / timeQuantum)
            maxTime = max(maxTime, delta.dt / timeQuantum)
        }
        timeBase = deltas.isEmpty ? 0 : minTime
        timeWidth = deltas.isEmpty ? 0 : BitWriter.unsignedWidth(maxTime - minTime)
        idGapWidth = BitWriter.unsignedWidth(maxIDGap)
        self.hangWidth = hangWidth
        // Pick the narrow width that minimises the position bits: records wider than it pay the wide width, and
        // every record pays a flag bit once two widths are in use.
        let wide = positionWidths.lastIndex(where: { $0 > 0 }) ?? 0
        var bestNarrow = wide
        var bestBits = 2 * wide * deltas.count
        var narrowCount = 0
        for narrow in 0..<wide {
            narrowCount += positionWidths[narrow]
            let bits = deltas.count + 2 * (narrow * narrowCount + wide * (deltas.count - narrowCount))
            if bits < bestBits {
                bestBits = bits
                bestNarrow = narrow
            }
        }
        narrowPositionWidth = bestNarrow
        widePositionWidth = wide
    }

    var allWidthsEncodable: Bool { widths.allSatisfy { $0 <= DotTrainCodec.maximumFieldWidth } }

    func write(_ delta: DotDelta, to bits: inout BitWriter) {
        let quantum = Int64(positionQuantum)
        let dx = delta.dx / quantum
        let dy = delta.dy / quantum
        var positionWidth = narrowPositionWidth
        if hasWideRecords {
            let isWide = max(BitWriter.signedWidth(dx), BitWriter.signedWidth(dy)) > narrowPositionWidth
            bits.write(isWide ? 1 : 0, width: 1)
            if isWide { positionWidth = widePositionWidth }
        }
        bits.write(delta.idGap, width: idGapWidth)
        bits.writeSigned(dx, width: positionWidth)
        bits.writeSigned(dy, width: positionWidth)
        bits.write(delta.dt / timeQuantum - timeBase, width: timeWidth)
        bits.writeSigned(delta.dHang, width: hangWidth)
    }

    /// Reads one record; position and time come back in quanta (time as the excess over the base).
    func read(from bits: inout BitReader) throws(MessageDecodingError) -> DotDelta {
        var positionWidth = narrowPositionWidth
        if hasWideRecords, try bits.read(width: 1, field: "wide_flag") == 1 { positionWidth = widePositionWidth }
        return DotDelta(
            idGap: try bits.read(width: idGapWidth, field: "id_gap"),
            dx: try bits.readSigned(width: positionWidth, field: "dx"),
            dy: try bits.readSigned(width: positionWidth, field: "dy"),
            dt: try bits.read(width: timeWidth, field: "dt"),
            dHang: try bits.readSigned(width: hangWidth, field: "d_hang"))
    }

    /// Bits of all records.
    func recordBits(_ deltas: [DotDelta]) -> Int {
        let quantum = Int64(positionQuantum)
        var total = 0
        for delta in deltas {
            var positionWidth = narrowPositionWidth
            if hasWideRecords {
                total += 1
                if max(BitWriter.signedWidth(delta.dx / quantum), BitWriter.signedWidth(delta.dy / quantum))
                    > narrowPositionWidth
                {
                    positionWidth = widePositionWidth
                }
            }
            total += idGapWidth + 2 * positionWidth + timeWidth + hangWidth
        }
        return total
    }

    /// Bytes after the first dot: quanta, base, widths and the packed records.
    func tailLength(_ deltas: [DotDelta]) -> Int {
        VarintLength.of(positionQuantum) + VarintLength.of(timeQuantum) + VarintLength.of(timeBase)
            + Self.widthCount + (recordBits(deltas) + 7) / 8
    }
}

func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

enum VarintLength {
    static func of(_ value: UInt64) -> Int { max(1, (64 - value.leadingZeroBitCount + 6) / 7) }
    static func of(signed value: Int64) -> Int { of(ZigZag.encode(value)) }
}
