import Foundation
import SMPPlanning
import Testing

@testable import SMPReport

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Checks that a document is well-formed XML (balanced tags, quoted attributes, escaped text), and collects what
/// the tests look at: elements by class, `data-*` attributes, the summary script's text.
final class XMLProbe: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var scriptText: [String: String] = [:]
    private var currentScriptID: String?
    var parseError: String?

    static func parse(_ html: String) -> XMLProbe {
        let probe = XMLProbe()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = probe
        if !parser.parse() {
            probe.parseError =
                "line \(parser.lineNumber), column \(parser.columnNumber): "
                + (parser.parserError.map { "\($0)" } ?? "unknown")
        }
        return probe
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        elements.append((elementName, attributes))
        if elementName == "script", let id = attributes["id"] { currentScriptID = id }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "script" { currentScriptID = nil }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let currentScriptID { scriptText[currentScriptID, default: ""] += string }
    }

    func elements(withClass name: String) -> [[String: String]] {
        elements.filter { ($0.attributes["class"] ?? "").split(separator: " ").contains(Substring(name)) }
            .map(\.attributes)
    }
}

@Suite struct HTMLReportTests {
    static func record(dots count: Int) -> (SessionRecord, ReportSummary) {
        var record = SessionRecord(kind: "dry run", planFile: "a <plan> & more.json", session: 1, sessionCount: 3)
        for index in 0..<count {
            let depth = [0.3, 0.5, 0.9][index % 3]
            record.dots.append(
                .init(
                    planID: index + 1, position: Point(Double(index % 40) * 0.7, Double(index / 40) * 0.7),
                    region: index < count / 2 ? "frontal" : "crown", session: 1, depositDepthMM: depth,
                    targetMM: 0.4...0.6, diameterMM: 0.25))
            record.timeline.append(
                .init(timeS: Double(index) * 0.4, strokeRateHz: 100, hangMM: 1.2, speedMMPerS: 20))
        }
        record.plannedDots = (0..<count).map {
            .init(position: Point(Double($0 % 40) * 0.7 + 0.35, 1), session: 2, diameterMM: 0.25)
        }
        record.regions = [.init(name: "crown", rings: [[Point(0, 0), Point(30, 0), Point(30, 30), Point(0, 30)]])]
        record.hairline = [Point(0, 0), Point(30, 1)]
        record.events = [.init(timeS: 2, sessionTimeS: 14, kind: .fault, detail: "late_command <x>")]
        let summary = ReportSummary(
            outcome: "finished", sessionTimeS: 100, machineTimeS: 80, estimatedTimeS: 79.5, probingTimeS: 12,
            dotsPlanned: count, dotsDone: count, dotsUncertain: 0, dotsSkipped: 0, depthP05MM: 0.3,
            depthMeanMM: 0.57, depthP95MM: 0.9, blowouts: count / 3, shallow: count / 3, faults: ["late & <x>"],
            regions: [
                .init(
                    name: "crown", dots: count, timeS: 80, depthP05MM: 0.3, meanDepthMM: 0.57, depthP95MM: 0.9, deep: 1,
                    shallow: 2)
            ])
        return (record, summary)
    }

    @Test func documentIsWellFormedAndHoldsEveryDotOnce() throws {
        let (record, summary) = Self.record(dots: 301)
        let html = HTMLReport.render(record, summary: summary)
        let probe = XMLProbe.parse(html)
        #expect(probe.parseError == nil)
        let bands = probe.elements(withClass: "dots").filter { !($0["class"] ?? "").contains("planned") }
        try #require(bands.count == 4)
        let counts = bands.compactMap { $0["data-count"].flatMap(Int.init) }
        #expect(counts.reduce(0, +) == 301)
        #expect(counts == [101, 100, 100, 0])  // shallow 0.3, on target 0.5, deep 0.9, none unmeasured
        // The path holds one `h0` per dot.
        let drawn = bands.map { ($0["d"] ?? "").components(separatedBy: "h0").count - 1 }
        #expect(drawn == counts)
    }

    /// A run without a depth model: its dots are drawn grey as unmeasured, the histograms say so instead of drawing
    /// bars, and the summary's depth figures are null, shown as "not measured".
    @Test func unmeasuredDepthsAreDrawnAndSaidSo() throws {
        var (record, summary) = Self.record(dots: 40)
        for index in record.dots.indices { record.dots[index].depositDepthMM = nil }
        record.depthSource = "not measured: a board reports strokes"
        summary.depthP05MM = nil
        summary.depthMeanMM = nil
        summary.depthP95MM = nil
        summary.blowouts = nil
        summary.shallow = nil
        let html = HTMLReport.render(record, summary: summary)
        let probe = XMLProbe.parse(html)
        #expect(probe.parseError == nil)
        let unmeasured = probe.elements(withClass: "dots").filter { ($0["class"] ?? "").contains("unmeasured") }
        #expect(unmeasured.compactMap { $0["data-count"].flatMap(Int.init) } == [40])
        #expect(probe.elements(withClass: "bar").isEmpty)
        #expect(html.contains("No deposit depth was measured: not measured: a board reports strokes."))
        #expect(html.contains(#"<dd data-key="depth">not measured</dd>"#))
        let decoded = try JSONDecoder().decode(ReportSummary.self, from: Data(HTMLReport.summaryJSON(summary).utf8))
        #expect(decoded == summary)
        #expect(HTMLReport.summaryJSON(summary).contains(#""depth_mean_mm":null"#))
    }

    @Test func embeddedSummaryDecodesToWhatWasGiven() throws {
        let (record, summary) = Self.record(dots: 12)
        let probe = XMLProbe.parse(HTMLReport.render(record, summary: summary))
        let text = try #require(probe.scriptText[HTMLReport.summaryElementID])
        let decoded = try JSONDecoder().decode(ReportSummary.self, from: Data(text.utf8))
        #expect(decoded == summary)
    }

    @Test func dotPathRoundTripsPositionsInHundredths() {
        let points = [Point(12.346, 6.7), Point(12.0, 7.01), Point(0.004, -3.2)]
        let path = HTMLReport.dotPath(points)
        #expect(path == "M12.35 6.7h0m-.35 .31h0m-12-10.21h0")
        #expect(HTMLReport.hundredths(-31) == "-.31")
        #expect(HTMLReport.hundredths(120) == "1.2")
        #expect(HTMLReport.hundredths(500) == "5")
        #expect(HTMLReport.hundredths(7) == ".07")
        #expect(HTMLReport.hundredths(0) == "0")
    }

    @Test func sessionsFromThePlanAreSwitchable() {
        let (record, summary) = Self.record(dots: 10)
        let probe = XMLProbe.parse(HTMLReport.render(record, summary: summary))
        let options = probe.elements.filter { $0.name == "option" }.map { $0.attributes["value"] ?? "" }
        #expect(options == ["1", "2", "3"])
        let groups = Set(probe.elements(withClass: "session").compactMap { $0["data-session"] })
        #expect(groups == ["1", "2"])
    }

    /// A record of 120 dots 0.4 s apart with a hold at 10-15 s, a cartridge change, a fault, a hold never resumed
    /// and an event from before the clock fit.
    static func eventRecord() -> (SessionRecord, ReportSummary) {
        var (record, summary) = Self.record(dots: 120)
        record.timeline = record.timeline.map { sample in
            var shifted = sample
            if shifted.timeS >= 10 { shifted.timeS += 5 }
            return shifted
        }
        record.events = [
            .init(timeS: nil, sessionTimeS: 0.2, kind: .linkLost, detail: "no answer"),
            .init(timeS: 10.1, sessionTimeS: 30.1, kind: .hold, detail: "hold by the operator"),
            .init(timeS: 15.1, sessionTimeS: 35.1, kind: .resume, detail: "resume by the operator"),
            .init(timeS: 20, sessionTimeS: 40, kind: .cartridge, detail: "cartridge change from RL3 to RL5 <new>"),
            .init(timeS: 30, sessionTimeS: 50, kind: .fault, detail: "board fault watchdog"),
            .init(timeS: 40, sessionTimeS: 60, kind: .resume, detail: "a resume without a hold"),
            .init(timeS: 52.7, sessionTimeS: 70, kind: .hold, detail: "hold by the operator"),
        ]
        return (record, summary)
    }

    @Test func holdsPairWithTheResumeAfterThem() {
        let (record, _) = Self.eventRecord()
        #expect(
            record.holdSpans == [
                SessionRecord.HoldSpan(startS: 10.1, endS: 15.1), SessionRecord.HoldSpan(startS: 52.7, endS: nil),
            ])
    }

    /// Holds are shaded spans from hold to resume (the last, never resumed, to the axis' end), the other timed
    /// events markers with a label (an operator step's says what changed), every event a row of the list, and the
    /// series break across a hold.
    @Test func timelineShadesHoldsAndMarksTheOtherEvents() throws {
        let (record, summary) = Self.eventRecord()
        let html = HTMLReport.render(record, summary: summary)
        let probe = XMLProbe.parse(html)
        try #require(probe.parseError == nil, "\(probe.parseError ?? "")")
        let spans = probe.elements(withClass: "hold-span")
        #expect(spans.map { $0["data-start-s"] } == ["10.1", "52.7"])
        #expect(spans.map { $0["data-end-s"] } == ["15.1", nil])
        let markers = probe.elements(withClass: "event")
        #expect(markers.map { $0["class"] } == ["event cartridge", "event fault"])
        #expect(markers.map { $0["data-time-s"] } == ["20.0", "30.0"])
        #expect(html.contains(">cartridge change from RL3 to RL5 &lt;new&gt;</text>"))
        #expect(html.contains(">held 5.0 s</text>"))
        #expect(html.contains(">held, no resume</text>"))
        // Every event is a row, the one without a clock fit too; the hold's row says how long it lasted.
        let rows = probe.elements.filter { $0.name == "tr" }.compactMap { $0.attributes["class"] }
        #expect(rows == ["link_lost", "hold", "resume", "cartridge", "fault", "resume", "hold"])
        #expect(html.contains("<td>hold by the operator; held 5.00 s</td>"))
        #expect(html.contains(">before clock sync</td>"))
        for kind in ["hold", "fault", "emergency_stop", "link_lost", "cartridge"] {
            #expect(html.contains("<span class=\"sw \(kind)\"></span>"), "legend \(kind)")
        }
        // Each series is two runs of dots: one before the hold, one after it.
        let series = probe.elements(withClass: "series")
        try #require(series.count == 3)
        #expect(series.allSatisfy { ($0["d"] ?? "").filter { $0 == "M" }.count == 2 })
    }

    @Test func eventsEncodeWithTheirJSONKeys() throws {
        let (record, _) = Self.eventRecord()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(Array(record.events.prefix(2))), as: UTF8.self)
        #expect(
            text == #"[{"detail":"no answer","kind":"link_lost","session_time_s":0.2,"time_s":null},"#
                + #"{"detail":"hold by the operator","kind":"hold","session_time_s":30.1,"time_s":10.1}]"#)
    }
}
