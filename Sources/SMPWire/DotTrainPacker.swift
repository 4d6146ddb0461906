extension DotTrain {
    /// Splits dots (in execution order, ids and start times strictly increasing) into as few trains as fit one
    /// frame each. Greedy: a train grows while its exact encoded size stays within the limit. Sizing a candidate is
    /// linear in its dots and trains hold at most `maximumDots`, so packing stays linear in the session.
    public static func pack(
        _ dots: [DotCommand], strokesPerDot: UInt8, strokeRateCentihertz: UInt32, liftMicrometres: UInt32,
        maximumPayloadLength: Int = Frame.maximumPayloadLength
    ) throws(MessageEncodingError) -> [DotTrain] {
        let allDeltas = try DotDelta.deltas(of: dots[...])
        var trains: [DotTrain] = []
        var start = 0
        let shared =
            1 + VarintLength.of(UInt64(strokeRateCentihertz)) + VarintLength.of(UInt64(liftMicrometres)) + 1
        while start < dots.count {
            let first = dots[start]
            let head =
                shared + VarintLength.of(UInt64(first.id)) + VarintLength.of(first.startTime)
                + VarintLength.of(signed: Int64(first.xMicrometres))
                + VarintLength.of(signed: Int64(first.yMicrometres))
                + VarintLength.of(signed: Int64(first.hangMicrometres))
            var end = start + 1
            while end < dots.count && end - start < DotTrain.maximumDots {
                let deltas = Array(allDeltas[start..<end])
                let layout = DotTrainLayout(deltas)
                guard layout.allWidthsEncodable, head + layout.tailLength(deltas) <= maximumPayloadLength else {
                    break
                }
                end += 1
            }
            trains.append(
                DotTrain(
                    strokesPerDot: strokesPerDot, strokeRateCentihertz: strokeRateCentihertz,
                    liftMicrometres: liftMicrometres, dots: Array(dots[start..<end])))
            start = end
        }
        return trains
    }
}
