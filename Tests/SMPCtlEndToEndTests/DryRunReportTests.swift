import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `smpctl dry-run --report`: the HTML file against the `--json` summary of the same run, and in a real browser.
@Suite struct DryRunReportTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// One dry run of the quick example with `--json --report` and a 3 s hold while the dots run, shared by the
    /// tests (the run is the slow part).
    struct Run: Sendable {
        var jsonText: String
        var html: String
        var file: URL
        var json: [String: Any] {
            get throws {
                try #require(JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any])
            }
        }
    }

    /// The hold: session seconds of the press (the dots stream from about 15 s to 35 s with seed 2) and its length.
    static let (holdAt, holdLength) = (20.0, 3.0)

    static let run: Result<Run, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-report-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("quick.html")
        let result = try SMPCtlProcess.run([
            "dry-run", "Examples/quick.json", "--json", "--seed", "2", "--hold-at", "\(holdAt)+\(holdLength)",
            "--report", file.path,
        ])
        guard result.status == 0 else {
            throw ReportTestError(message: "exit \(result.status): \(result.standardError)")
        }
        return Run(jsonText: result.standardOutput, html: try String(contentsOf: file, encoding: .utf8), file: file)
    }

    struct ReportTestError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The text of the `<script id="smpctl-summary">` element.
    static func embeddedSummary(_ html: String) throws -> [String: Any] {
        let start = try #require(html.range(of: #"<script type="application/json" id="smpctl-summary">"#))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let text = String(html[start.upperBound..<end.lowerBound])
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// The executed session's dots per depth band, from the map's paths' `data-count`.
    static func dotCounts(_ html: String) -> [String: Int] {
        let pattern = #/class="dots (shallow|on-target|deep|unmeasured)" stroke-width="[0-9.]+" data-count="([0-9]+)"/#
        var counts: [String: Int] = [:]
        for match in html.matches(of: pattern) {
            counts[String(match.output.1), default: 0] += Int(match.output.2) ?? 0
        }
        return counts
    }

    @Test func reportIsWellFormedAndHoldsEveryExecutedDot() throws {
        let run = try Self.run.get()
        let (json, html) = (try run.json, run.html)
        let parser = XMLParser(data: Data(html.utf8))
        #expect(parser.parse(), "line \(parser.lineNumber): \(String(describing: parser.parserError))")
        let done = try #require(json["dots_done"] as? Int)
        try #require(done > 0)
        // One data-count per depth band path of the executed session; together every executed dot.
        let counts = Self.dotCounts(html)
        #expect(counts.count == 4)
        #expect(counts.values.reduce(0, +) == done)
        #expect(counts["unmeasured"] == 0, "a dry run knows every executed dot's depth")
        #expect(!html.contains("http://") || !html.contains("src=\"http"), "the report loads nothing from the network")
    }

    @Test func reportNumbersAreTheJSONSummarys() throws {
        let run = try Self.run.get()
        let (json, html) = (try run.json, run.html)
        try RunReportEndToEndTests.expectSameNumbers(report: try Self.embeddedSummary(html), json: json)
        try #require(json["depth_mm"] is [String: Any], "a dry run measures every depth")
        // What the page shows is formatted from those numbers.
        let dotsDone = try #require(json["dots_done"] as? Int)
        let planned = try #require(json["dots_planned"] as? Int)
        #expect(html.contains(#"<dd data-key="dots">\#(dotsDone) of \#(planned)"#))
    }

    /// The hold is in the JSON events at the time asked for, and the report shades it over the very times the JSON
    /// gives; every event is a row of the report's list.
    @Test func holdSpanIsTheJSONsHoldAndResume() throws {
        let run = try Self.run.get()
        let (json, html) = (try run.json, run.html)
        let events = try #require(json["events"] as? [[String: Any]])
        try #require(events.map { $0["kind"] as? String } == ["hold", "resume"], "\(events)")
        let hold = try #require(events[0]["time_s"] as? Double)
        let resume = try #require(events[1]["time_s"] as? Double)
        let pressed = try #require(events[0]["session_time_s"] as? Double)
        let released = try #require(events[1]["session_time_s"] as? Double)
        #expect((Self.holdAt..<Self.holdAt + 0.06).contains(pressed))
        #expect((Self.holdLength..<Self.holdLength + 0.06).contains(released - pressed))
        #expect(abs((resume - hold) - (released - pressed)) < 0.001)
        let pattern = try Regex(#"<g class="hold-span" data-start-s="([-0-9.e]+)" data-end-s="([-0-9.e]+)">"#)
        let spans = html.matches(of: pattern).map {
            (Double($0.output[1].substring ?? ""), Double($0.output[2].substring ?? ""))
        }
        try #require(spans.count == 1)
        #expect(spans[0].0 == hold && spans[0].1 == resume)
        let rows = html.matches(of: try Regex(#"<tr class="(hold|resume)">"#)).count
        #expect(rows == 2)
    }

    /// A 1000 x 700 headless-Chromium screenshot of one section of the report `html`: the same document with the
    /// other sections hidden by an added style rule, written beside `file`.
    static func screenshot(_ html: String, section: String, beside file: URL, chromium: String) throws -> PNGImage {
        let page = file.deletingLastPathComponent().appendingPathComponent("\(section).html")
        let focused = html.replacingOccurrences(
            of: "</head>", with: "<style>section:not(#\(section)),h1,.sub{display:none}</style></head>")
        try Data(focused.utf8).write(to: page)
        let shot = file.deletingLastPathComponent().appendingPathComponent("\(section).png")
        try? FileManager.default.removeItem(at: shot)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,700",
            "--screenshot=\(shot.path)", page.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let data = try Data(contentsOf: shot)
        #expect(data.count > 4_000, "\(section): \(data.count) bytes")
        let image = try PNGImage(data: data)
        #expect(image.width == 1000 && image.height == 700)
        return image
    }

    /// Headless Chromium renders the map and the timeline; each screenshot must show the colours drawn there.
    @Test(
        .enabled(
            if: chromium != nil, "Chromium is not installed (make test installs Debian's chromium where apt works)"))
    func browserDrawsTheMapAndTheTimeline() throws {
        let chromium = try #require(Self.chromium)
        let run = try Self.run.get()
        let (html, file) = (run.html, run.file)
        // One section per screenshot: the same document with the other sections hidden by an added style rule.
        let sections: [(id: String, colours: [(UInt8, UInt8, UInt8)], what: String)] = [
            ("map-section", [(0x2e, 0x9e, 0x4f)], "on-target dots"),
            ("timeline-section", [(0x1d, 0x6f, 0xb8), (0x8a, 0x4f, 0xbf), (0xc2, 0x6a, 0x00)], "the three series"),
        ]
        for section in sections {
            let image = try Self.screenshot(html, section: section.id, beside: file, chromium: chromium)
            let background =
                image.count(near: (0xfa, 0xfa, 0xfa), tolerance: 3)
                + image.count(near: (0xff, 0xff, 0xff), tolerance: 3)
            #expect(background < image.width * image.height * 98 / 100, "\(section.id) is blank")
            let drawn = section.colours.map { image.count(near: $0, tolerance: 40) }
            #expect(drawn.allSatisfy { $0 > 200 }, "\(section.id): \(drawn) pixels of \(section.what)")
            if section.id == "timeline-section" {
                // The 3 s hold of the about 20 s timeline: a shaded band over the three rows, some 120 by 350 px
                // (the hold's amber at 22 % over the white and grey plot).
                let shaded = image.count(near: (0xf4, 0xe6, 0xc3), tolerance: 10)
                #expect(shaded > 20_000, "\(shaded) pixels of the shaded hold")
            }
        }
    }
}
