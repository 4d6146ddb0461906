/// Byte layout of a completion batch: count, first dot id, finish time, then per dot a header byte (strokes in bits
/// 0-3, outcome in bits 4-5, bit 6 = explicit id delta follows) and one load byte per delivered stroke.
enum CompletionCodec {
    static let explicitIDBit: UInt8 = 0x40

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
            writer.write(header)
            if gap != 0 { writer.writeSignedVarint(gap) }
            writer.write(contentsOf: completion.peakLoads)
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
            guard header & 0x80 == 0, let outcome = DotOutcome(rawValue: (header >> 4) & 0x03) else {
                throw .outOfRange(field: "completion_header", offset: headerOffset)
            }
            let gap = header & explicitIDBit != 0 ? try reader.readSignedVarint("dot_id_gap") : 0
            let (candidate, overflow) = (previousID + 1).addingReportingOverflow(gap)
            guard !overflow, let id = UInt32(exactly: candidate) else {
                throw .invalidValue(field: "dot_id_gap", reason: "dot id leaves 0...\(UInt32.max)")
            }
            let loads = try reader.readBytes("peak_loads", count: Int(header & 0x0F))
            completions.append(DotCompletion(dotID: id, outcome: outcome, peakLoads: Array(loads)))
            previousID = Int64(id)
        }
        return CompletionBatch(finishedAt: finishedAt, completions: completions)
    }
}
