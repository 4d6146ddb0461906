import Foundation
import SMPPlanning

extension HTMLReport {
    // MARK: histograms

    static func histogramSection(_ html: inout HTMLWriter, _ record: SessionRecord) {
        html.raw("<section id=\"histograms\"><h2>Deposit depth per region</h2><div class=\"hists\">\n")
        let measured = record.dots.filter { $0.depositDepthMM != nil }
        if measured.isEmpty {
            html.element(
                "p",
                "No deposit depth was measured"
                    + (record.depthSource.isEmpty ? "." : ": \(record.depthSource)."),
                attributes: ["class": "note"])
        }
        let depths = measured.compactMap(\.depositDepthMM)
        let bands = measured.map(\.targetMM)
        let low = min(depths.min() ?? 0, bands.map(\.lowerBound).min() ?? 0)
        let high = max(depths.max() ?? 1, bands.map(\.upperBound).max() ?? 1)
        let binCount = 30
        let span = max(0.01, high - low) * 1.04
        let start = low - span * 0.02
        let binWidth = span / Double(binCount)
        var order: [String] = []
        for dot in measured where !order.contains(dot.region) { order.append(dot.region) }
        let (w, h, left, bottom) = (320.0, 150.0, 34.0, 22.0)
        for region in order {
            let dots = measured.filter { $0.region == region }
            // Each bar is stacked by its dots' own bands: target bands differ across the scalp.
            let barBands = SessionRecord.DepthBand.measured
            var bins = [[Int]](repeating: Array(repeating: 0, count: barBands.count), count: binCount)
            for dot in dots {
                guard let depth = dot.depositDepthMM, let slot = barBands.firstIndex(of: dot.band) else { continue }
                let index = min(binCount - 1, max(0, Int((depth - start) / binWidth)))
                bins[index][slot] += 1
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
                for (band, count) in zip(barBands, counts) where count > 0 {
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
        let timed = record.events.compactMap { event in event.timeS.map { (time: $0, event: event) } }
        let markers = timed.filter { $0.event.kind != .hold && $0.event.kind != .resume }
        let spans = record.holdSpans
        let end = max(1, (record.timeline.last?.timeS ?? 1), timed.map(\.time).max() ?? 0)
        let (w, rowHeight, left, right) = (960.0, 110.0, 56.0, 10.0)
        func x(_ t: Double) -> Double { left + max(0, t) / end * (w - left - right) }
        // A lane above the rows carries the events' labels, in as many text rows as they need (at most three), and
        // their marks just above the plots. Holds are labelled with how long they lasted, operator steps with what
        // changed, the other markers with their kind.
        let holdLabels = spans.map { span in
            (x: x(span.startS), text: span.endS.map { "held \(fixed($0 - span.startS, 1)) s" } ?? "held, no resume")
        }
        let markerLabels = markers.map { marker in
            (
                x: x(marker.time),
                text: marker.event.kind.isOperatorStep ? marker.event.detail : eventName(marker.event.kind)
            )
        }
        let placed = laneRows(holdLabels + markerLabels, right: w - right, rows: 3)
        let labelRows = max(1, (placed.compactMap { $0?.row }.max() ?? 0) + 1)
        let laneHeight = 12 + 13 * Double(labelRows) + 2
        let markTop = laneHeight - 10
        func laneLabel(_ html: inout HTMLWriter, _ index: Int, _ label: (x: Double, text: String)) {
            guard let place = placed[index] else { return }
            html.element(
                "text", label.text,
                attributes: [
                    "class": "event-label", "x": fixed(label.x + (place.anchorEnd ? -laneLabelGap : laneLabelGap), 1),
                    "y": fixed(13 + 13 * Double(place.row), 0), "text-anchor": place.anchorEnd ? "end" : "start",
                ])
        }
        let rows: [(String, String, (SessionRecord.TimelineSample) -> Double)] = [
            ("stroke rate (Hz)", "rate", \.strokeRateHz), ("hang (mm)", "hang", \.hangMM),
            ("X/Y speed (mm/s)", "speed", \.speedMMPerS),
        ]
        let axisY = laneHeight + rowHeight * Double(rows.count)
        let h = axisY + 28
        // The series break at each hold: no dot started while held, and a line across would suggest one.
        let holdStarts = record.holdSpans.map(\.startS)
        html.raw(
            "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" "
                + "preserveAspectRatio=\"none\" style=\"height:\(Int(h))px\">\n")
        for (row, (label, name, value)) in rows.enumerated() {
            let top = laneHeight + Double(row) * rowHeight + 8
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
                (index == 0 || holdStarts.contains { samples[index - 1].timeS <= $0 && $0 < sample.timeS } ? "M" : "L")
                    + "\(fixed(x(sample.timeS), 1)) \(fixed(y(value(sample)), 1))"
            }.joined()
            html.raw("<path class=\"series \(name)\" d=\"\(d)\"/></g>\n")
        }
        for tick in ticks(0, end, 8) {
            html.raw(
                "<text class=\"tick\" x=\"\(fixed(x(tick), 1))\" y=\"\(fixed(axisY + 16, 0))\" "
                    + "text-anchor=\"middle\">\(duration(tick))</text>")
        }
        for (index, span) in spans.enumerated() {
            let from = x(span.startS)
            let to = max(from + 2, x(span.endS ?? end))
            html.raw(
                "<g class=\"hold-span\" data-start-s=\"\(span.startS)\""
                    + (span.endS.map { " data-end-s=\"\($0)\"" } ?? "") + ">"
                    + "<title>hold at \(fixed(span.startS, 2)) s, "
                    + (span.endS.map { "resume at \(fixed($0, 2)) s (\(holdLabels[index].text))" } ?? "no resume")
                    + "</title><rect x=\"\(fixed(from, 1))\" y=\"\(fixed(markTop, 1))\" width=\"\(fixed(to - from, 1))\" "
                    + "height=\"\(fixed(axisY - markTop, 1))\"/>")
            laneLabel(&html, index, holdLabels[index])
            html.raw("</g>\n")
        }
        for (index, (time, event)) in markers.enumerated() {
            let at = x(time)
            html.raw(
                "<g class=\"event \(event.kind.rawValue)\" data-time-s=\"\(time)\"><title>"
                    + "\(escape(eventName(event.kind))) at \(fixed(time, 2)) s: \(escape(event.detail))</title>"
                    + "<line x1=\"\(fixed(at, 1))\" y1=\"\(fixed(markTop, 0))\" x2=\"\(fixed(at, 1))\" y2=\"\(fixed(axisY, 0))\"/>"
                    + "<path class=\"mark\" d=\"M\(fixed(at - 5, 1)) \(fixed(markTop, 0))h10l-5 8z\"/>")
            laneLabel(&html, spans.count + index, markerLabels[index])
            html.raw("</g>\n")
        }
        html.raw("</svg>\n<div class=\"legend\">")
        let legend: [(String, String)] = [
            ("hold", "held (hold to resume)"), ("fault", "fault"), ("emergency_stop", "emergency stop"),
            ("link_lost", "link lost / board restarted"), ("cartridge", "cartridge or pigment change"),
        ]
        for (kind, text) in legend { html.raw("<span class=\"sw \(kind)\"></span> \(escape(text)) ") }
        html.raw(
            "<br/>Time in seconds of board time from the first dot's scheduled start"
                + (record.timeline.count > samples.count
                    ? "; \(samples.count) of \(record.timeline.count) dots drawn" : "")
                + ".</div>\n")
        eventTable(&html, record)
        html.raw("</section>\n")
    }

    /// Space between a mark and its label (px).
    static let laneLabelGap = 4.0

    /// Where the lane's labels go, in the order given: each in the first of at most `rows` text rows where it clears
    /// the labels left of it, running leftwards from its mark when it would pass `right`; nil for a label that fits
    /// nowhere (its tooltip and the event list still have it). Widths are estimated at 6.3 px a character of the
    /// 11 px label font.
    static func laneRows(_ labels: [(x: Double, text: String)], right: Double, rows: Int) -> [(
        row: Int, anchorEnd: Bool
    )?] {
        var placed = [(row: Int, anchorEnd: Bool)?](repeating: nil, count: labels.count)
        var rowEnds: [Double] = []
        for index in labels.indices.sorted(by: { labels[$0].x < labels[$1].x }) {
            let label = labels[index]
            let width = 6.3 * Double(label.text.count)
            let anchorEnd = label.x + laneLabelGap + width > right
            let start = anchorEnd ? label.x - laneLabelGap - width : label.x + laneLabelGap
            let row = rowEnds.firstIndex { $0 + 8 <= start } ?? (rowEnds.count < rows ? rowEnds.count : nil)
            guard let row else { continue }
            if row == rowEnds.count { rowEnds.append(0) }
            rowEnds[row] = anchorEnd ? label.x - laneLabelGap : start + width
            placed[index] = (row, anchorEnd)
        }
        return placed
    }

    /// Every event in order, also those without a clock fit (they have no place on the axis).
    static func eventTable(_ html: inout HTMLWriter, _ record: SessionRecord) {
        guard !record.events.isEmpty else {
            html.element("p", "No holds, stops, faults or operator steps.", attributes: ["class": "note events"])
            return
        }
        html.raw("<table class=\"events\"><thead><tr>")
        for heading in ["Time", "In the chair", "Event", "Detail"] { html.element("th", heading) }
        html.raw("</tr></thead><tbody>\n")
        for (index, event) in record.events.enumerated() {
            var detail = event.detail
            if event.kind == .hold, let start = event.timeS,
                let resume = record.events[(index + 1)...].first(where: { $0.kind == .resume }), let end = resume.timeS
            {
                detail += "; held \(fixed(end - start, 2)) s"
            }
            html.raw("<tr class=\"\(event.kind.rawValue)\">")
            html.element(
                "td", event.timeS.map { "\(fixed($0, 2)) s" } ?? "before clock sync", attributes: ["class": "num"])
            html.element("td", "\(fixed(event.sessionTimeS, 2)) s", attributes: ["class": "num"])
            html.element("td", eventName(event.kind))
            html.element("td", detail)
            html.raw("</tr>\n")
        }
        html.raw("</tbody></table>\n")
    }

    static func eventName(_ kind: SessionRecord.Event.Kind) -> String {
        switch kind {
        case .hold: "hold"
        case .resume: "resume"
        case .emergencyStop: "emergency stop"
        case .fault: "fault"
        case .linkLost: "link lost"
        case .boardRestarted: "board restarted"
        case .cartridge: "cartridge change"
        case .pigment: "pigment change"
        }
    }

    /// Every k-th sample, so that the timeline stays a light path for long sessions.
    static func thinned(_ samples: [SessionRecord.TimelineSample], to limit: Int) -> [SessionRecord.TimelineSample] {
        guard samples.count > limit else { return samples }
        let step = Int((Double(samples.count) / Double(limit)).rounded(.up))
        return stride(from: 0, to: samples.count, by: step).map { samples[$0] }
    }
}
