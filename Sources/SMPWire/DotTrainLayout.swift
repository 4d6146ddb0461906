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
    static let widthCount = 7

    let positionQuantum: UInt64
    let timeQuantum: UInt64
    let hangQuantum: UInt64
    /// The smallest time delta in quanta; records hold the excess over it.
    let timeBase: UInt64
    let idGapWidth: Int
    let x: AxisWidths
    let y: AxisWidths
    let timeWidth: Int
    let hangWidth: Int

    /// A narrow and a wide width for one axis; a flag bit per record picks one when they differ.
    struct AxisWidths {
        let narrow: Int
        let wide: Int
        var hasFlag: Bool { wide > narrow }

        func width(for value: Int64) -> Int { BitWriter.signedWidth(value) > narrow ? wide : narrow }

        /// The narrow width that minimises the bits of these values.
        init(values: [Int64]) {
            var histogram = [Int](repeating: 0, count: 66)
            for value in values { histogram[BitWriter.signedWidth(value)] += 1 }
            let wide = histogram.lastIndex(where: { $0 > 0 }) ?? 0
            var bestNarrow = wide
            var bestBits = wide * values.count
            var narrowCount = 0
            for narrow in 0..<wide {
                narrowCount += histogram[narrow]
                let bits = values.count + narrow * narrowCount + wide * (values.count - narrowCount)
                if bits < bestBits {
                    bestBits = bits
                    bestNarrow = narrow
                }
            }
            self.narrow = bestNarrow
            self.wide = wide
        }

        init(narrow: Int, wide: Int) {
            self.narrow = narrow
            self.wide = max(wide, narrow)
        }
    }

    var widths: [Int] { [idGapWidth, x.narrow, x.wide, y.narrow, y.wide, timeWidth, hangWidth] }

    init(positionQuantum: UInt64, timeQuantum: UInt64, hangQuantum: UInt64, timeBase: UInt64, widths: [Int]) {
        self.positionQuantum = positionQuantum
        self.timeQuantum = timeQuantum
        self.hangQuantum = hangQuantum
        self.timeBase = timeBase
        idGapWidth = widths[0]
        x = AxisWidths(narrow: widths[1], wide: widths[2])
        y = AxisWidths(narrow: widths[3], wide: widths[4])
        timeWidth = widths[5]
        hangWidth = widths[6]
    }

    init(_ deltas: [DotDelta]) {
        var positionGCD: UInt64 = 0
        var timeGCD: UInt64 = 0
        var hangGCD: UInt64 = 0
        var maxIDGap: UInt64 = 0
        for delta in deltas {
            positionGCD = gcd(gcd(positionGCD, delta.dx.magnitude), delta.dy.magnitude)
            timeGCD = gcd(timeGCD, delta.dt)
            hangGCD = gcd(hangGCD, delta.dHang.magnitude)
            maxIDGap = max(maxIDGap, delta.idGap)
        }
        positionQuantum = max(positionGCD, 1)
        timeQuantum = max(timeGCD, 1)
        hangQuantum = max(hangGCD, 1)
        let quantum = Int64(positionQuantum)
        x = AxisWidths(values: deltas.map { $0.dx / quantum })
        y = AxisWidths(values: deltas.map { $0.dy / quantum })
        let timeStep = max(timeGCD, 1)
        let times = deltas.map { $0.dt / timeStep }
        let base = times.min() ?? 0
        timeBase = base
        timeWidth = BitWriter.unsignedWidth((times.max() ?? 0) - base)
        idGapWidth = BitWriter.unsignedWidth(maxIDGap)
        let hangStep = Int64(hangQuantum)
        hangWidth = deltas.reduce(0) { max($0, BitWriter.signedWidth($1.dHang / hangStep)) }
    }

    var allWidthsEncodable: Bool { widths.allSatisfy { $0 <= DotTrainCodec.maximumFieldWidth } }

    func write(_ delta: DotDelta, to bits: inout BitWriter) {
        let quantum = Int64(positionQuantum)
        let dx = delta.dx / quantum
        let dy = delta.dy / quantum
        let xWidth = x.width(for: dx)
        let yWidth = y.width(for: dy)
        if x.hasFlag { bits.write(xWidth == x.wide ? 1 : 0, width: 1) }
        if y.hasFlag { bits.write(yWidth == y.wide ? 1 : 0, width: 1) }
        bits.write(delta.idGap, width: idGapWidth)
        bits.writeSigned(dx, width: xWidth)
        bits.writeSigned(dy, width: yWidth)
        bits.write(delta.dt / timeQuantum - timeBase, width: timeWidth)
        bits.writeSigned(delta.dHang / Int64(hangQuantum), width: hangWidth)
    }

    /// Reads one record; position, hang and time come back in quanta (time as the excess over the base).
    func read(from bits: inout BitReader) throws(MessageDecodingError) -> DotDelta {
        let xWide = x.hasFlag ? try bits.read(width: 1, field: "x_wide_flag") == 1 : false
        let yWide = y.hasFlag ? try bits.read(width: 1, field: "y_wide_flag") == 1 : false
        return DotDelta(
            idGap: try bits.read(width: idGapWidth, field: "id_gap"),
            dx: try bits.readSigned(width: xWide ? x.wide : x.narrow, field: "dx"),
            dy: try bits.readSigned(width: yWide ? y.wide : y.narrow, field: "dy"),
            dt: try bits.read(width: timeWidth, field: "dt"),
            dHang: try bits.readSigned(width: hangWidth, field: "d_hang"))
    }

    /// Bits of all records.
    func recordBits(_ deltas: [DotDelta]) -> Int {
        let quantum = Int64(positionQuantum)
        let fixed = (x.hasFlag ? 1 : 0) + (y.hasFlag ? 1 : 0) + idGapWidth + timeWidth + hangWidth
        return deltas.reduce(0) { $0 + fixed + x.width(for: $1.dx / quantum) + y.width(for: $1.dy / quantum) }
    }

    /// Bytes after the first dot: quanta, base, widths and the packed records.
    func tailLength(_ deltas: [DotDelta]) -> Int {
        VarintLength.of(positionQuantum) + VarintLength.of(timeQuantum) + VarintLength.of(hangQuantum)
            + VarintLength.of(timeBase) + Self.widthCount + (recordBits(deltas) + 7) / 8
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
