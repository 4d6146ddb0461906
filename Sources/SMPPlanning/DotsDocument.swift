/// Writes DOTS.json (`smpctl-dots/1`): the session's dots in visiting order with everything the motion layer
/// needs. Numbers are written with fixed decimals by integer arithmetic (positions to 1 um, below the board's
/// 5 um resolution) so that the same plan and seed give byte-identical files on every machine.
public enum DotsDocument {
    public static let format = "smpctl-dots/1"

    /// The document; `estimatedSeconds` (the motion schedule's duration) is written when given.
    public static func render(_ result: PlanResult, estimatedSeconds: Double? = nil) -> String {
        let plan = result.plan
        var out = ""
        out.reserveCapacity(result.sessionDots.count * 150 + 1024)
        out += "{\n"
        out += "  \"format\": \"\(format)\",\n"
        out += "  \"generator\": \"\(DotGenerator.algorithm)\",\n"
        out += "  \"board\": \(quoted(plan.board.model)),\n"
        out += "  \"seed\": \(plan.seed),\n"
        out += "  \"session\": {\"index\": \(plan.session.index), \"of\": \(plan.session.count)},\n"
        out += "  \"travel_mm\": \(fixed(result.travelMM, 3)),\n"
        if let estimatedSeconds { out += "  \"estimated_seconds\": \(fixed(estimatedSeconds, 1)),\n" }
        out += "  \"regions\": [\n"
        for (i, r) in plan.regions.enumerated() {
            out +=
                "    {\"name\": \(quoted(r.name)), \"kind\": \"\(r.kind.rawValue)\", \"needle\": \"\(r.needle.name)\", "
            out += "\"profile\": \"\(r.profile.name)\", \"density\": \(fixed(r.densityPerCM2, 2)), "
            out += "\"hang_mm\": \(fixed(r.hangMM, 3)), \"strokes\": \(r.strokesPerDot)"
            if let pigment = r.pigment(session: plan.session.index) { out += pigmentFields(pigment) }
            out += "}"
            out += i + 1 < plan.regions.count ? ",\n" : "\n"
        }
        out += "  ],\n"
        out += "  \"steps\": [\n"
        for (k, step) in result.steps.enumerated() {
            out += "    {\"before_dot\": \(step.beforeDot), \"needle\": \"\(step.needle)\""
            if let pigment = step.pigment { out += pigmentFields(pigment) }
            out += k + 1 < result.steps.count ? "},\n" : "}\n"
        }
        out += "  ],\n"
        out += "  \"dots\": [\n"
        for (k, dot) in result.sessionDots.enumerated() {
            let r = plan.regions[dot.regionIndex]
            out += "    {\"id\": \(dot.id), \"x\": \(fixed(dot.position.x, 3)), \"y\": \(fixed(dot.position.y, 3)), "
            out += "\"region\": \(quoted(r.name)), \"session\": \(dot.session), \"needle\": \"\(r.needle.name)\", "
            out += "\"profile\": \"\(r.profile.name)\", \"strokes\": \(r.strokesPerDot)"
            if let depth = r.depthOverrideMM { out += ", \"depth_mm\": \(fixed(depth, 3))" }
            if let pigment = r.pigment(session: dot.session) { out += pigmentFields(pigment) }
            if dot.isSentinel { out += ", \"sentinel\": true" }
            out += k + 1 < result.sessionDots.count ? "},\n" : "}\n"
        }
        out += "  ]\n}\n"
        return out
    }

    static func pigmentFields(_ pigment: PigmentChoice) -> String {
        ", \"pigment\": \(quoted(pigment.name)), \"dilution\": \(fixed(pigment.dilution, 2))"
    }

    /// Decimal text with exactly `digits` decimals, by integer rounding (half away from zero).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * Double(scale)).rounded(.toNearestOrAwayFromZero))
        let negative = scaled < 0
        let magnitude = negative ? -scaled : scaled
        let whole = magnitude / scale
        var fraction = String(magnitude % scale)
        while fraction.count < digits { fraction = "0" + fraction }
        return (negative ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
