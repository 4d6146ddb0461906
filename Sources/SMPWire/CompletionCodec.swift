/// Byte layout of a completion batch: count, first dot id, finish time, then per dot a header byte (strokes in bits
/// 0-3, outcome in bits 4-5, bit 6 = explicit id delta follows, bit 7 = compact loads) and the peak loads: one byte
/// per stroke, or, compact, the first two strokes as bytes and each further one as a signed 4-bit delta from the
/// stroke before (two per byte, high nibble first). After the puncture stroke the loads barely change, so this saves
/// a byte or two a dot.
enum CompletionCodec {
    static let explicitIDBit: UInt8 = 0x40
    static let compactLoadsBit: UInt8 = 0x80

    static func compactDeltas(_ loads: [UInt8]) -> [Int]? {
        guard loads.count >= 3 else { return nil }
        var deltas: [Int] = []
        for index in 2..<loads.count {
            let delta = Int(loads[index]) - Int(loads[index - 1])
            guard (-8...7).contains(delta) else { return nil }
            deltas.append(delta)
        }
        return deltas
    }

    static func encode(_ batch: CompletionBatch, to writer: inout ByteWriter) throws(MessageEncodingError) {
        guard let first = batch.completions.first else { throw .emptyTrain }
        guard batch.completions.count <= CompletionBatch.maximumCompletions else {
            throw .tooManyItems(
                field: "completions", count: batch.completions.count, maximum: CompletionBatch.maximumCompletions)
        }
        writer.write(UInt8(batch.completions.count))
        writer.writeVarint(UInt64(first.dotID))
        writer.writeVarint(batch.finishedAt)
        var previousID = Int64(first.dotID) - 1
        for (index, completion) in batch.completions.enumerated() {
            guard completion.peakLoads.count <= DotCompletion.maximumStrokes else {
                throw .outOfRange(field: "completions.peak_loads", index: index)
            }
            let gap = Int64(completion.dotID) - previousID - 1
            var header = UInt8(completion.peakLoads.count) | completion.outcome.rawValue << 4
            if gap != 0 { header |= explicitIDBit }
            let deltas = compactDeltas(completion.peakLoads)
            if deltas != nil { header |= compactLoadsBit }
            writer.write(header)
            if gap != 0 { writer.writeSignedVarint(gap) }
            if let deltas {
                writer.write(completion.peakLoads[0])
                writer.write(completion.peakLoads[1])
                var index = 0
                while index < deltas.count {
                    let high = UInt8(truncatingIfNeeded: deltas[index]) & 0x0F
                    let low = index + 1 < deltas.count ? UInt8(truncatingIfNeeded: deltas[index + 1]) & 0x0F : 0
                    writer.write(high << 4 | low)
                    index += 2
                }
            } else {
                writer.write(contentsOf: completion.peakLoads)
            }
            previousID = Int64(completion.dotID)
        }
    }

    static func decode(_ reader: inout ByteReader) throws(MessageDecodingError) -> CompletionBatch {
        let countOffset = reader.offset
        let count = Int(try reader.readByte("completion_count"))
        guard (1...CompletionBatch.maximumCompletions).contains(count) else {
            throw .outOfRange(field: "completion_count", offset: countOffset)
        }
        let firstID = try reader.readVarint("first_dot_id", as: UInt32.self)
        let finishedAt = try reader.readVarint("finished_at")
        var completions: [DotCompletion] = []
        completions.reserveCapacity(count)
        var previousID = Int64(firstID) - 1
        for _ in 0..<count {
            let headerOffset = reader.offset
            let header = try reader.readByte("completion_header")
            guard let outcome = DotOutcome(rawValue: (header >> 4) & 0x03) else {
                throw .outOfRange(field: "completion_header", offset: headerOffset)
            }
            let strokes = Int(header & 0x0F)
            let compact = header & compactLoadsBit != 0
            guard !compact || strokes >= 3 else { throw .outOfRange(field: "completion_header", offset: headerOffset) }
            let gap = header & explicitIDBit != 0 ? try reader.readSignedVarint("dot_id_gap") : 0
            let (candidate, overflow) = (previousID + 1).addingReportingOverflow(gap)
            guard !overflow, let id = UInt32(exactly: candidate) else {
                throw .invalidValue(field: "dot_id_gap", reason: "dot id leaves 0...\(UInt32.max)")
            }
            var loads: [UInt8]
            if compact {
                loads = Array(try reader.readBytes("peak_loads", count: 2))
                let packed = try reader.readBytes("peak_load_deltas", count: (strokes - 1) / 2)
                for index in 0..<(strokes - 2) {
                    let byte = packed[packed.startIndex + index / 2]
                    let nibble = index % 2 == 0 ? byte >> 4 : byte & 0x0F
                    let delta = Int(Int8(bitPattern: nibble << 4) >> 4)
                    guard let load = UInt8(exactly: Int(loads[loads.count - 1]) + delta) else {
                        throw .invalidValue(field: "peak_load_deltas", reason: "load leaves 0...255")
                    }
                    loads.append(load)
                }
            } else {
                loads = Array(try reader.readBytes("peak_loads", count: strokes))
            }
            completions.append(DotCompletion(dotID: id, outcome: outcome, peakLoads: loads))
            previousID = Int64(id)
        }
        return CompletionBatch(finishedAt: finishedAt, completions: completions)
    }
}
