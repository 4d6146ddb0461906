import Foundation
import SMPPlanning

extension HTMLReport {
    // MARK: map

    static func mapSection(_ html: inout HTMLWriter, _ record: SessionRecord) {
        var points = record.dots.map(\.position) + record.plannedDots.map(\.position) + record.hairline
        for region in record.regions { for ring in region.rings { points += ring } }
        let minX = (points.map(\.x).min() ?? 0) - 3
        let minY = (points.map(\.y).min() ?? 0) - 3
        let width = max(10, (points.map(\.x).max() ?? 10) + 3 - minX)
        let height = max(10, (points.map(\.y).max() ?? 10) + 3 - minY)
        let viewBox = "\(fixed(minX, 2)) \(fixed(minY, 2)) \(fixed(width, 2)) \(fixed(height, 2))"

        html.raw("<section id=\"map-section\"><h2>Treated area</h2>\n<div class=\"controls\">")
        html.raw("<label><input type=\"radio\" name=\"view\" value=\"depth\" checked=\"checked\"/> depth</label>")
        html.raw("<label><input type=\"radio\" name=\"view\" value=\"look\"/> how it will look (true scale)</label>")
        html.raw("<label>sessions <select id=\"sessions\">")
        for count in 1...max(1, record.sessionCount) {
            let label = count == 1 ? "1" : (count == record.sessionCount ? "all (1–\(count))" : "1–\(count)")
            let selected = count == record.session ? " selected=\"selected\"" : ""
            html.raw("<option value=\"\(count)\"\(selected)>\(escape(label))</option>")
        }
        html.raw("</select></label>")
        html.raw("<label><input type=\"checkbox\" id=\"travel-toggle\"/> travel path</label></div>\n")
        let unmeasured = record.dots.count { $0.depositDepthMM == nil }
        html.raw(
            "<div class=\"legend\" id=\"depth-legend\"><span class=\"sw shallow\"></span> shallow "
                + "<span class=\"sw on-target\"></span> on target <span class=\"sw deep\"></span> deep "
                + (unmeasured > 0 ? "<span class=\"sw unmeasured\"></span> depth not measured (\(unmeasured)) " : "")
                + "<span class=\"sw planned\"></span> other sessions (planned); \(record.dots.count) dots executed"
                + "</div>\n")
        if !record.depthSource.isEmpty || !record.positionSource.isEmpty {
            html.element(
                "p",
                [
                    record.depthSource.isEmpty ? "" : "Depths: \(record.depthSource).",
                    record.positionSource.isEmpty ? "" : "Positions: \(record.positionSource).",
                ].filter { !$0.isEmpty }.joined(separator: " "),
                attributes: ["class": "note", "id": "sources"])
        }

        // The depth map: fills the page width; the viewer zooms with the browser.
        html.raw(
            "<div id=\"depth-view\" class=\"view\"><svg id=\"map\" xmlns=\"http://www.w3.org/2000/svg\" "
                + "viewBox=\"\(viewBox)\" preserveAspectRatio=\"xMidYMid meet\">\n")
        outlines(&html, record)
        let dotWidth = 0.45
        for session in sessionsDrawn(record) {
            html.raw("<g class=\"session\" data-session=\"\(session)\">")
            if session == record.session {
                for band in SessionRecord.DepthBand.allCases {
                    let dots = record.dots.filter { $0.band == band }
                    html.raw(
                        "<path class=\"dots \(band.rawValue)\" stroke-width=\"\(dotWidth)\" "
                            + "data-count=\"\(dots.count)\" d=\"\(dotPath(dots.map(\.position)))\"/>")
                }
            } else {
                let marks = record.plannedDots.filter { $0.session == session }
                html.raw(
                    "<path class=\"dots planned\" stroke-width=\"\(dotWidth)\" data-count=\"\(marks.count)\" "
                        + "d=\"\(dotPath(marks.map(\.position)))\"/>")
            }
            html.raw("</g>\n")
        }
        html.raw("<path id=\"travel\" class=\"travel\" d=\"\(polyline(record.dots.map(\.position)))\"/>\n")
        html.raw("</svg></div>\n")

        // True scale: CSS millimetres (1 mm = 96/25.4 px), so a screen at its nominal resolution shows life size.
        html.raw(
            "<div id=\"look-view\" class=\"view\" hidden=\"hidden\"><p class=\"note\">Dots at their real size "
                + "(needle grouping diameter) in the pigment tone on a \(escape(record.skinName.isEmpty ? "skin" : record.skinName)) "
                + "skin tone, at true scale (CSS millimetres: life size on a screen at its nominal resolution).</p>"
                + "<svg id=\"look\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"\(viewBox)\" "
                + "width=\"\(fixed(width, 1))mm\" height=\"\(fixed(height, 1))mm\">\n")
        html.raw(
            "<rect x=\"\(fixed(minX, 2))\" y=\"\(fixed(minY, 2))\" width=\"\(fixed(width, 2))\" "
                + "height=\"\(fixed(height, 2))\" fill=\"\(escape(record.skinTone))\"/>\n")
        for session in sessionsDrawn(record) {
            html.raw("<g class=\"session\" data-session=\"\(session)\">")
            var byDiameter: [Double: [Point]] = [:]
            if session == record.session {
                for dot in record.dots { byDiameter[dot.diameterMM, default: []].append(dot.position) }
            } else {
                for mark in record.plannedDots where mark.session == session {
                    byDiameter[mark.diameterMM, default: []].append(mark.position)
                }
            }
            for (diameter, positions) in byDiameter.sorted(by: { $0.key < $1.key }) {
                html.raw(
                    "<path class=\"pigment\" stroke=\"\(escape(record.pigmentTone))\" "
                        + "stroke-width=\"\(fixed(diameter, 3))\" d=\"\(dotPath(positions))\"/>")
            }
            html.raw("</g>\n")
        }
        html.raw("</svg></div></section>\n")
    }

    static func sessionsDrawn(_ record: SessionRecord) -> [Int] {
        Array(Set([record.session] + record.plannedDots.map(\.session))).sorted()
    }

    static func outlines(_ html: inout HTMLWriter, _ record: SessionRecord) {
        html.raw("<g class=\"outlines\">")
        for region in record.regions {
            let d = region.rings.map { polyline($0) + "Z" }.joined()
            html.raw("<path class=\"region\" d=\"\(d)\"><title>\(escape(region.name))</title></path>")
        }
        if record.hairline.count > 1 {
            html.raw("<path class=\"hairline\" d=\"\(polyline(record.hairline))\"><title>hairline</title></path>")
        }
        html.raw("</g>\n")
    }

    /// Zero-length segments (`h0`) with round caps draw a dot of the stroke width; moves are relative, in
    /// hundredths of a millimetre, from the rounded previous position so that rounding never accumulates.
    static func dotPath(_ positions: [Point]) -> String {
        var out = ""
        out.reserveCapacity(positions.count * 12)
        var previous: (Int, Int)? = nil
        for point in positions {
            let x = Int((point.x * 100).rounded())
            let y = Int((point.y * 100).rounded())
            if let (px, py) = previous {
                out += "m" + pair(x - px, y - py) + "h0"
            } else {
                out += "M" + pair(x, y) + "h0"
            }
            previous = (x, y)
        }
        return out
    }

    static func polyline(_ points: [Point]) -> String {
        var out = ""
        var previous: (Int, Int)? = nil
        for point in points {
            let x = Int((point.x * 100).rounded())
            let y = Int((point.y * 100).rounded())
            if let (px, py) = previous {
                out += "l" + pair(x - px, y - py)
            } else {
                out += "M" + pair(x, y)
            }
            previous = (x, y)
        }
        return out
    }

    static func pair(_ x: Int, _ y: Int) -> String {
        let first = hundredths(x)
        let second = hundredths(y)
        return first + (second.hasPrefix("-") ? "" : " ") + second
    }

    /// `-31` → `-.31`, `120` → `1.2`, `500` → `5`.
    static func hundredths(_ value: Int) -> String {
        let sign = value < 0 ? "-" : ""
        let magnitude = abs(value)
        let whole = magnitude / 100
        let fraction = magnitude % 100
        let head = whole == 0 && fraction != 0 ? "" : String(whole)
        if fraction == 0 { return sign + head }
        let digits = fraction % 10 == 0 ? String(fraction / 10) : (fraction < 10 ? "0\(fraction)" : String(fraction))
        return sign + head + "." + digits
    }
}
