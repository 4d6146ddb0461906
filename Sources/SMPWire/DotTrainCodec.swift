/// Byte layout of a dot train (Docs/Protocol.md, "Dot train"): shared fields, the first dot in full, then one
/// bit record per further dot holding its deltas from the previous one. The quanta of position and time (the
/// greatest common divisors of the deltas) and the field widths are chosen per train, exactly: nothing is rounded.
/// Positions have a narrow and a wide width; a flag bit per record says which, so that one long jump does not
/// widen every record of the train.
enum DotTrainCodec {
    static let maximumFieldWidth = 40

    static func encode(_ train: DotTrain, to writer: inout ByteWriter) throws(MessageEncodingError) {
        let dots = train.dots
        guard let first = dots.first else { throw .emptyTrain }
        guard dots.count <= DotTrain.maximumDots else {
            throw .tooManyItems(field: "dots", count: dots.count, maximum: DotTrain.maximumDots)
        }
        writeHead(train, first: first, to: &writer)
        guard dots.count > 1 else { return }
        let deltas = try DotDelta.deltas(of: dots[...])
        let layout = DotTrainLayout(deltas)
        guard layout.allWidthsEncodable else { throw .outOfRange(field: "dots", index: 0) }
        writer.writeVarint(layout.positionQuantum)
        writer.writeVarint(layout.timeQuantum)
        writer.writeVarint(layout.hangQuantum)
        writer.writeVarint(layout.timeBase)
        for width in layout.widths { writer.write(UInt8(width)) }
        var bits = BitWriter()
        for delta in deltas { layout.write(delta, to: &bits) }
        writer.write(contentsOf: bits.finish())
    }

    static func writeHead(_ train: DotTrain, first: DotCommand, to writer: inout ByteWriter) {
        writer.write(train.strokesPerDot)
        writer.writeVarint(UInt64(train.strokeRateCentihertz))
        writer.writeVarint(UInt64(train.liftMicrometres))
        writer.write(train.strokeDetail ? DotTrain.strokeDetailFlag : 0)
        writer.write(UInt8(train.dots.count))
        writer.writeVarint(UInt64(first.id))
        writer.writeVarint(first.startTime)
        writer.writeSignedVarint(Int64(first.xMicrometres))
        writer.writeSignedVarint(Int64(first.yMicrometres))
        writer.writeSignedVarint(Int64(first.hangMicrometres))
    }

    static func decode(_ reader: inout ByteReader) throws(MessageDecodingError) -> DotTrain {
        let strokes = try reader.readByte("strokes_per_dot")
        let rate = try reader.readVarint("stroke_rate_centihertz", as: UInt32.self)
        let lift = try reader.readVarint("lift_um", as: UInt32.self)
        let flagsOffset = reader.offset
        let flags = try reader.readByte("flags")
        guard flags & ~DotTrain.strokeDetailFlag == 0 else { throw .outOfRange(field: "flags", offset: flagsOffset) }
        let detail = flags & DotTrain.strokeDetailFlag != 0
        let countOffset = reader.offset
        let count = Int(try reader.readByte("dot_count"))
        guard (1...DotTrain.maximumDots).contains(count) else {
            throw .outOfRange(field: "dot_count", offset: countOffset)
        }
        var dot = DotCommand(
            id: try reader.readVarint("first_id", as: UInt32.self),
            startTime: try reader.readVarint("first_start_time"),
            xMicrometres: try reader.readSignedVarint("first_x_um", as: Int32.self),
            yMicrometres: try reader.readSignedVarint("first_y_um", as: Int32.self),
            hangMicrometres: try reader.readSignedVarint("first_hang_um", as: Int32.self))
        var dots = [dot]
        dots.reserveCapacity(count)
        guard count > 1 else {
            return DotTrain(
                strokesPerDot: strokes, strokeRateCentihertz: rate, liftMicrometres: lift, strokeDetail: detail,
                dots: dots)
        }
        let quantumOffset = reader.offset
        let positionQuantum = try reader.readVarint("position_quantum")
        let timeQuantum = try reader.readVarint("time_quantum")
        let hangQuantum = try reader.readVarint("hang_quantum")
        // Position and hang quanta divide differences of Int32 values, so they fit 32 bits; a time quantum divides
        // differences of 64-bit times and may be as large (the products below are overflow-checked).
        guard (1...UInt64(UInt32.max)).contains(positionQuantum), timeQuantum >= 1,
            (1...UInt64(UInt32.max)).contains(hangQuantum)
        else { throw .outOfRange(field: "position_quantum/time_quantum/hang_quantum", offset: quantumOffset) }
        let timeBase = try reader.readVarint("time_base")
        var widths: [Int] = []
        for _ in 0..<DotTrainLayout.widthCount {
            let widthOffset = reader.offset
            let width = Int(try reader.readByte("field_width"))
            guard width <= maximumFieldWidth else { throw .outOfRange(field: "field_width", offset: widthOffset) }
            widths.append(width)
        }
        let layout = DotTrainLayout(
            positionQuantum: positionQuantum, timeQuantum: timeQuantum, hangQuantum: hangQuantum, timeBase: timeBase,
            widths: widths)
        // Records run to the end of the payload: they must end in its last byte, padded with zero bits.
        let recordsOffset = reader.offset
        let recordBytes = try reader.readBytes("dot_records", count: reader.remaining)
        var bits = BitReader(recordBytes)
        for index in 1..<count {
            let delta = try layout.read(from: &bits)
            let (dx, overflowX) = delta.dx.multipliedReportingOverflow(by: Int64(positionQuantum))
            let (dy, overflowY) = delta.dy.multipliedReportingOverflow(by: Int64(positionQuantum))
            let (dtQuanta, overflowBase) = timeBase.addingReportingOverflow(delta.dt)
            let (dt, overflowScale) = dtQuanta.multipliedReportingOverflow(by: timeQuantum)
            let (start, overflowTime) = dot.startTime.addingReportingOverflow(dt)
            let (dHang, overflowHang) = delta.dHang.multipliedReportingOverflow(by: Int64(hangQuantum))
            guard !overflowX, !overflowY, !overflowHang, !overflowBase, !overflowScale, !overflowTime, dt > 0,
                let id = UInt32(exactly: UInt64(dot.id) + 1 + delta.idGap),
                let x = Int32(exactly: Int64(dot.xMicrometres) + dx),
                let y = Int32(exactly: Int64(dot.yMicrometres) + dy),
                let hang = Int32(exactly: Int64(dot.hangMicrometres) + dHang)
            else {
                throw .invalidValue(field: "dots[\(index)]", reason: "delta leaves the field's range")
            }
            dot = DotCommand(id: id, startTime: start, xMicrometres: x, yMicrometres: y, hangMicrometres: hang)
            dots.append(dot)
        }
        guard bits.bitsRemaining < 8 else {
            throw .trailingBytes(
                message: "dot_train", offset: recordsOffset + recordBytes.count - bits.bitsRemaining / 8)
        }
        return DotTrain(
            strokesPerDot: strokes, strokeRateCentihertz: rate, liftMicrometres: lift, strokeDetail: detail,
            dots: dots)
    }
}
