extension DotTrain {
    /// Splits dots (in execution order, ids and start times strictly increasing) into as few trains as fit one
    /// frame each. Greedy: each train is the longest run from where the last one ended whose exact encoded size fits.
    public static func pack(
        _ dots: [DotCommand], strokesPerDot: UInt8, strokeRateCentihertz: UInt32, liftMicrometres: UInt32,
        strokeDetail: Bool = false, maximumPayloadLength: Int = Frame.maximumPayloadLength
    ) throws(MessageEncodingError) -> [DotTrain] {
        let allDeltas = try DotDelta.deltas(of: dots[...])
        var trains: [DotTrain] = []
        var start = 0
        let shared =
            1 + VarintLength.of(UInt64(strokeRateCentihertz)) + VarintLength.of(UInt64(liftMicrometres)) + 1 + 1
        while start < dots.count {
            let first = dots[start]
            let head =
                shared + VarintLength.of(UInt64(first.id)) + VarintLength.of(first.startTime)
                + VarintLength.of(signed: Int64(first.xMicrometres))
                + VarintLength.of(signed: Int64(first.yMicrometres))
                + VarintLength.of(signed: Int64(first.hangMicrometres))
            // A train's encoded size never shrinks as dots are added (quanta only get finer, widths only wider), so
            // the longest train that fits is found by bisection: a handful of layouts per train, not one per dot.
            func fits(_ end: Int) -> Bool {
                let deltas = Array(allDeltas[start..<end - 1])
                let layout = DotTrainLayout(deltas)
                return layout.allWidthsEncodable && head + layout.tailLength(deltas) <= maximumPayloadLength
            }
            var fitting = start + 1
            var tooLong = min(dots.count, start + DotTrain.maximumDots) + 1
            while tooLong - fitting > 1 {
                let middle = (fitting + tooLong) / 2
                if fits(middle) { fitting = middle } else { tooLong = middle }
            }
            let end = fitting
            trains.append(
                DotTrain(
                    strokesPerDot: strokesPerDot, strokeRateCentihertz: strokeRateCentihertz,
                    liftMicrometres: liftMicrometres, strokeDetail: strokeDetail, dots: Array(dots[start..<end])))
            start = end
        }
        return trains
    }
}
