import Foundation
import SMPPlanning

/// The session report as one self-contained HTML file: inline CSS, SVG and a little JavaScript, no network. The
/// document is also well-formed XML (every element closed, scripts in CDATA), so that tests can parse it.
///
/// Dots are drawn as zero-length round-capped segments, one `<path>` per depth band and session, with relative
/// moves in hundredths of a millimetre: a 35,000-dot map stays a few hundred kilobytes and pans smoothly.
public enum HTMLReport {
    /// The id of the `<script type="application/json">` element that holds ``ReportSummary``.
    public static let summaryElementID = "smpctl-summary"

    public static func render(_ record: SessionRecord, summary: ReportSummary) -> String {
        var html = HTMLWriter()
        html.raw("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
        html.raw(
            "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        html.element("title", "smpctl \(record.kind) report: \(record.planFile)")
        html.raw("<style>\(style)</style>\n</head>\n<body>\n")
        html.element("h1", "\(record.kind.prefix(1).uppercased() + record.kind.dropFirst()) of \(record.planFile)")
        html.element(
            "p",
            "Session \(record.session) of \(record.sessionCount)"
                + (record.skinName.isEmpty ? "" : ", \(record.skinName) skin") + "; outcome: \(summary.outcome)",
            attributes: ["class": "sub"])
        summaryBlock(&html, summary)
        mapSection(&html, record)
        histogramSection(&html, record)
        timelineSection(&html, record)
        tableSection(&html, summary)
        html.raw("<script type=\"application/json\" id=\"\(summaryElementID)\">")
        html.raw(summaryJSON(summary))
        html.raw("</script>\n<script>//<![CDATA[\n\(script)\n//]]></script>\n</body>\n</html>\n")
        return html.text
    }

    /// The summary as JSON safe inside a `<script>` element and in XML (no `<`, `>`, `&`).
    static func summaryJSON(_ summary: ReportSummary) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(summary)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
    }

    // MARK: summary and table

    static func summaryBlock(_ html: inout HTMLWriter, _ summary: ReportSummary) {
        html.raw("<section id=\"summary\"><dl>\n")
        let delta = summary.machineTimeS - summary.estimatedTimeS
        let items: [(String, String, String)] = [
            ("session", "In the chair", duration(summary.sessionTimeS)),
            (
                "needling", "Needling (estimate)",
                "\(duration(summary.machineTimeS)) (\(duration(summary.estimatedTimeS)), "
                    + (delta >= 0 ? "+" : "−") + "\(fixed(abs(delta), 1)) s)"
            ),
            ("probing", "Probing", duration(summary.probingTimeS)),
            (
                "dots", "Dots done",
                "\(summary.dotsDone) of \(summary.dotsPlanned)"
                    + (summary.dotsUncertain + summary.dotsSkipped > 0
                        ? " (\(summary.dotsUncertain) uncertain, \(summary.dotsSkipped) skipped)" : "")
            ),
            (
                "depth", "Depth p05 / mean / p95",
                "\(fixed(summary.depthP05MM, 2)) / \(fixed(summary.depthMeanMM, 2)) / "
                    + "\(fixed(summary.depthP95MM, 2)) mm"
            ),
            ("blowouts", "Too deep / too shallow", "\(summary.blowouts) / \(summary.shallow)"),
            ("faults", "Faults", summary.faults.isEmpty ? "none" : "\(summary.faults.count)"),
        ]
        for (key, label, value) in items {
            html.raw("<div><dt>\(escape(label))</dt><dd data-key=\"\(key)\">\(escape(value))</dd></div>\n")
        }
        html.raw("</dl>\n")
        if !summary.faults.isEmpty {
            html.raw("<ul class=\"faults\">")
            for fault in summary.faults { html.element("li", fault) }
            html.raw("</ul>\n")
        }
        html.raw("</section>\n")
    }

    static func tableSection(_ html: inout HTMLWriter, _ summary: ReportSummary) {
        html.raw("<section id=\"regions\"><h2>Regions</h2>\n<table><thead><tr>")
        for heading in ["Region", "Dots", "Time", "Depth p05", "Mean", "p95", "Blowouts", "Shallow"] {
            html.element("th", heading)
        }
        html.raw("</tr></thead><tbody>\n")
        for region in summary.regions {
            html.raw("<tr>")
            html.element("td", region.name)
            for value in [
                "\(region.dots)", duration(region.timeS), fixed(region.depthP05MM, 2), fixed(region.meanDepthMM, 2),
                fixed(region.depthP95MM, 2), "\(region.deep)", "\(region.shallow)",
            ] {
                html.element("td", value, attributes: ["class": "num"])
            }
            html.raw("</tr>\n")
        }
        html.raw(
            "</tbody></table><p class=\"note\">Depths in mm of tissue (deposit depth of the pigment). "
                + "Time counts each dot from the end of the previous one (the move to it included).</p></section>\n")
    }

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
        html.raw(
            "<div class=\"legend\" id=\"depth-legend\"><span class=\"sw shallow\"></span> shallow "
                + "<span class=\"sw on-target\"></span> on target <span class=\"sw deep\"></span> deep "
                + "<span class=\"sw planned\"></span> other sessions (planned); \(record.dots.count) dots executed "
                + "(every dot the board completed, also those whose report the host never received)</div>\n")

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

    // MARK: histograms

    static func histogramSection(_ html: inout HTMLWriter, _ record: SessionRecord) {
        html.raw("<section id=\"histograms\"><h2>Deposit depth per region</h2><div class=\"hists\">\n")
        let depths = record.dots.map(\.depositDepthMM)
        let bands = record.dots.map(\.targetMM)
        let low = min(depths.min() ?? 0, bands.map(\.lowerBound).min() ?? 0)
        let high = max(depths.max() ?? 1, bands.map(\.upperBound).max() ?? 1)
        let binCount = 30
        let span = max(0.01, high - low) * 1.04
        let start = low - span * 0.02
        let binWidth = span / Double(binCount)
        var order: [String] = []
        for dot in record.dots where !order.contains(dot.region) { order.append(dot.region) }
        let (w, h, left, bottom) = (320.0, 150.0, 34.0, 22.0)
        for region in order {
            let dots = record.dots.filter { $0.region == region }
            // Each bar is stacked by its dots' own bands: target bands differ across the scalp.
            var bins = [[Int]](repeating: [0, 0, 0], count: binCount)
            for dot in dots {
                let index = min(binCount - 1, max(0, Int((dot.depositDepthMM - start) / binWidth)))
                bins[index][SessionRecord.DepthBand.allCases.firstIndex(of: dot.band)!] += 1
            }
            let peak = max(1, bins.map { $0.reduce(0, +) }.max() ?? 1)
            func x(_ depth: Double) -> Double { left + (depth - start) / span * (w - left - 6) }
            html.raw(
                "<figure class=\"hist\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" "
                    + "width=\"\(Int(w))\" height=\"\(Int(h))\" data-region=\"\(escape(region))\">")
            let targetLow = dots.map(\.targetMM.lowerBound).min() ?? 0
            let targetHigh = dots.map(\.targetMM.upperBound).max() ?? 0
            html.raw(
                "<rect class=\"target\" x=\"\(fixed(x(targetLow), 1))\" y=\"4\" "
                    + "width=\"\(fixed(max(1, x(targetHigh) - x(targetLow)), 1))\" height=\"\(fixed(h - bottom - 4, 1))\">"
                    + "<title>target \(fixed(targetLow, 2))–\(fixed(targetHigh, 2)) mm</title></rect>")
            let barWidth = (w - left - 6) / Double(binCount)
            for (index, counts) in bins.enumerated() {
                var base = h - bottom
                for (band, count) in zip(SessionRecord.DepthBand.allCases, counts) where count > 0 {
                    let barHeight = Double(count) / Double(peak) * (h - bottom - 8)
                    base -= barHeight
                    html.raw(
                        "<rect class=\"bar \(band.rawValue)\" x=\"\(fixed(left + Double(index) * barWidth, 1))\" "
                            + "y=\"\(fixed(base, 1))\" width=\"\(fixed(barWidth - 0.5, 1))\" "
                            + "height=\"\(fixed(barHeight, 1))\"><title>\(count) \(band.rawValue)</title></rect>")
                }
            }
            html.raw(
                "<line class=\"axis\" x1=\"\(Int(left))\" y1=\"\(Int(h - bottom))\" x2=\"\(Int(w - 6))\" "
                    + "y2=\"\(Int(h - bottom))\"/>")
            for tick in ticks(start, start + span, 5) {
                html.raw(
                    "<text class=\"tick\" x=\"\(fixed(x(tick), 1))\" y=\"\(Int(h - 6))\" "
                        + "text-anchor=\"middle\">\(fixed(tick, 1))</text>")
            }
            html.raw("<text class=\"tick\" x=\"2\" y=\"12\">\(peak)</text></svg>")
            html.element(
                "figcaption",
                "\(region): \(dots.count) dots, depth (mm); shaded: its dots' target bands "
                    + "\(fixed(targetLow, 2))–\(fixed(targetHigh, 2)) mm")
            html.raw("</figure>\n")
        }
        html.raw("</div></section>\n")
    }

    static func ticks(_ low: Double, _ high: Double, _ count: Int) -> [Double] {
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, floor(log10(max(raw, 1e-9))))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high {
            values.append(value == 0 ? 0 : value)  // never "-0.0"
            value += step
        }
        return values
    }

    // MARK: timeline

    static func timelineSection(_ html: inout HTMLWriter, _ record: SessionRecord) {
        html.raw("<section id=\"timeline-section\"><h2>Timeline</h2>\n")
        let samples = thinned(record.timeline, to: 2_000)
        let end = max(1, (record.timeline.last?.timeS ?? 1), record.events.map(\.timeS).max() ?? 0)
        let (w, rowHeight, left, right) = (960.0, 110.0, 56.0, 10.0)
        let rows: [(String, String, (SessionRecord.TimelineSample) -> Double)] = [
            ("stroke rate (Hz)", "rate", \.strokeRateHz), ("hang (mm)", "hang", \.hangMM),
            ("X/Y speed (mm/s)", "speed", \.speedMMPerS),
        ]
        let h = rowHeight * Double(rows.count) + 28
        func x(_ t: Double) -> Double { left + max(0, t) / end * (w - left - right) }
        html.raw(
            "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" "
                + "preserveAspectRatio=\"none\">\n")
        for (row, (label, name, value)) in rows.enumerated() {
            let top = Double(row) * rowHeight + 8
            let values = samples.map(value)
            let low = min(0, values.min() ?? 0)
            let high = max(low + 1e-6, (values.max() ?? 1) * 1.25)
            func y(_ v: Double) -> Double { top + (rowHeight - 20) * (1 - (v - low) / (high - low)) }
            html.raw("<g class=\"row\" data-series=\"\(name)\">")
            html.raw(
                "<rect class=\"plot\" x=\"\(Int(left))\" y=\"\(fixed(top, 1))\" "
                    + "width=\"\(Int(w - left - right))\" height=\"\(Int(rowHeight - 20))\"/>")
            html.element(
                "text", label, attributes: ["class": "label", "x": fixed(left + 4, 0), "y": fixed(top + 12, 0)])
            html.element(
                "text", fixed(high, high < 10 ? 2 : 0), attributes: ["class": "tick", "x": "2", "y": fixed(top + 8, 0)])
            html.element(
                "text", fixed(low, low < 10 ? 1 : 0),
                attributes: ["class": "tick", "x": "2", "y": fixed(top + rowHeight - 20, 0)])
            let d = samples.enumerated().map { index, sample in
                (index == 0 ? "M" : "L") + "\(fixed(x(sample.timeS), 1)) \(fixed(y(value(sample)), 1))"
            }.joined()
            html.raw("<path class=\"series \(name)\" d=\"\(d)\"/></g>\n")
        }
        let axisY = rowHeight * Double(rows.count)
        for tick in ticks(0, end, 8) {
            html.raw(
                "<text class=\"tick\" x=\"\(fixed(x(tick), 1))\" y=\"\(fixed(axisY + 16, 0))\" "
                    + "text-anchor=\"middle\">\(duration(tick))</text>")
        }
        for event in record.events {
            html.raw(
                "<line class=\"event \(event.kind.rawValue)\" x1=\"\(fixed(x(event.timeS), 1))\" y1=\"4\" "
                    + "x2=\"\(fixed(x(event.timeS), 1))\" y2=\"\(fixed(axisY, 0))\"><title>\(escape(event.kind.rawValue)) "
                    + "at \(fixed(event.timeS, 2)) s: \(escape(event.label))</title></line>")
        }
        html.raw(
            "</svg>\n<div class=\"legend\"><span class=\"sw fault\"></span> fault <span class=\"sw hold\"></span> "
                + "hold <span class=\"sw cartridge\"></span> cartridge change; time from the first dot's scheduled start"
                + (record.timeline.count > samples.count
                    ? "; \(samples.count) of \(record.timeline.count) dots drawn" : "")
                + "</div>\n")
        if !record.events.isEmpty {
            html.raw("<ul class=\"events\">")
            for event in record.events {
                html.element("li", "\(fixed(event.timeS, 2)) s, \(event.kind.rawValue): \(event.label)")
            }
            html.raw("</ul>")
        }
        html.raw("</section>\n")
    }

    /// Every k-th sample, so that the timeline stays a light path for long sessions.
    static func thinned(_ samples: [SessionRecord.TimelineSample], to limit: Int) -> [SessionRecord.TimelineSample] {
        guard samples.count > limit else { return samples }
        let step = Int((Double(samples.count) / Double(limit)).rounded(.up))
        return stride(from: 0, to: samples.count, by: step).map { samples[$0] }
    }

    // MARK: text

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 60 ? "\(total / 60) min \(total % 60) s" : "\(fixed(seconds, 1)) s"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;background:#fafafa}
        h1{font-size:20px;margin:0}h2{font-size:16px;margin:18px 0 6px}.sub,.note{color:#555;margin:2px 0 8px}
        #summary dl{display:flex;flex-wrap:wrap;gap:8px 24px;margin:8px 0}#summary dt{color:#666;font-size:12px}
        #summary dd{margin:0;font-size:17px;font-weight:600}.faults li{color:#b00020}
        .controls label{margin-right:16px}.legend{font-size:12px;color:#444;margin:4px 0}
        .sw{display:inline-block;width:10px;height:10px;border-radius:5px;vertical-align:middle;margin-left:8px}
        .sw.shallow{background:#2f7fd8}.sw.on-target{background:#2e9e4f}.sw.deep{background:#d33a2c}
        .sw.planned{background:#b9b9b9}.sw.fault{background:#d33a2c}.sw.hold{background:#e0a100}
        .sw.cartridge{background:#7b4bd1}
        #map{width:100%;height:auto;max-height:80vh;background:#fff;border:1px solid #ddd}
        #look-view{overflow:auto;max-height:85vh;border:1px solid #ddd}
        .dots{fill:none;stroke-linecap:round}.dots.shallow{stroke:#2f7fd8}.dots.on-target{stroke:#2e9e4f}
        .dots.deep{stroke:#d33a2c}.dots.planned{stroke:#c4c4c4}.pigment{fill:none;stroke-linecap:round}
        .region{fill:none;stroke:#777;stroke-width:0.3;vector-effect:non-scaling-stroke;stroke-dasharray:4 3}
        .hairline{fill:none;stroke:#111;stroke-width:2;vector-effect:non-scaling-stroke}
        .travel{fill:none;stroke:#444;stroke-width:0.08;opacity:0.6;display:none}
        .show-travel .travel{display:inline}
        .hists{display:flex;flex-wrap:wrap;gap:12px}.hist{margin:0;background:#fff;border:1px solid #ddd;padding:4px}
        .hist figcaption{font-size:12px;color:#444}.target{fill:#2e9e4f;opacity:0.15}
        .bar.on-target{fill:#2e9e4f}.bar.shallow{fill:#2f7fd8}.bar.deep{fill:#d33a2c}
        .axis{stroke:#888}.tick{font-size:10px;fill:#555}.label{font-size:11px;fill:#333}
        #timeline{width:100%;height:360px;background:#fff;border:1px solid #ddd}
        .plot{fill:#f6f6f6}.series{fill:none;stroke-width:1.6;vector-effect:non-scaling-stroke}
        .series.rate{stroke:#1d6fb8}.series.hang{stroke:#8a4fbf}.series.speed{stroke:#c26a00}
        .event{stroke-width:1.5;vector-effect:non-scaling-stroke}.event.fault{stroke:#d33a2c}
        .event.hold{stroke:#e0a100}.event.cartridge{stroke:#7b4bd1}.events{font-size:12px}
        table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:3px 8px}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        """

    static let script = """
        (function () {
          var map = document.getElementById('map');
          var sessions = document.getElementById('sessions');
          function showSessions() {
            var upTo = Number(sessions.value);
            document.querySelectorAll('g.session').forEach(function (g) {
              g.style.display = Number(g.getAttribute('data-session')) <= upTo ? '' : 'none';
            });
          }
          sessions.addEventListener('change', showSessions);
          showSessions();
          var travel = document.getElementById('travel-toggle');
          function showTravel() { map.classList.toggle('show-travel', travel.checked); }
          travel.addEventListener('change', showTravel);
          function showView() {
            var look = document.querySelector('input[name=view]:checked').value === 'look';
            document.getElementById('depth-view').hidden = look;
            document.getElementById('depth-legend').hidden = look;
            document.getElementById('look-view').hidden = !look;
          }
          document.querySelectorAll('input[name=view]').forEach(function (radio) {
            radio.addEventListener('change', showView);
          });
          // Fragments open a view directly (#look, #travel, #look,travel) without moving the focus or the scroll.
          var hash = location.hash.slice(1).split(',');
          if (hash.indexOf('look') >= 0) { document.querySelector('input[value=look]').checked = true; }
          if (hash.indexOf('travel') >= 0) { travel.checked = true; }
          showView();
          showTravel();
          // Load timings on the root element, for measuring (Performance.md): parsed, and first contentful paint.
          var root = document.documentElement;
          root.setAttribute('data-parsed-ms', String(Math.round(performance.now())));
          if (window.PerformanceObserver) {
            new PerformanceObserver(function (list) {
              list.getEntries().forEach(function (entry) {
                if (entry.name === 'first-contentful-paint') {
                  root.setAttribute('data-first-contentful-paint-ms', String(Math.round(entry.startTime)));
                }
              });
            }).observe({ type: 'paint', buffered: true });
          }
        })();
        """
}

/// Accumulates the document; text and attribute values are escaped, `raw` is for markup built here.
struct HTMLWriter {
    var text = ""

    mutating func raw(_ markup: String) { text += markup }

    mutating func element(_ name: String, _ content: String, attributes: [String: String] = [:]) {
        text += "<\(name)"
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\"\(HTMLReport.escape(value))\""
        }
        text += ">\(HTMLReport.escape(content))</\(name)>"
    }
}
