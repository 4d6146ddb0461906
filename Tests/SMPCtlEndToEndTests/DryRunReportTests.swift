import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `smpctl dry-run --report`: the HTML file against the `--json` summary of the same run, and in a real browser.
@Suite struct DryRunReportTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// One dry run of the quick example with `--json --report`, shared by the tests (the run is the slow part).
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

    static let run: Result<Run, any Error> = Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-report-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("quick.html")
        let result = try SMPCtlProcess.run([
            "dry-run", "Examples/quick.json", "--json", "--seed", "2", "--report", file.path,
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

    @Test func reportIsWellFormedAndHoldsEveryExecutedDot() throws {
        let run = try Self.run.get()
        let (json, html) = (try run.json, run.html)
        let parser = XMLParser(data: Data(html.utf8))
        #expect(parser.parse(), "line \(parser.lineNumber): \(String(describing: parser.parserError))")
        let done = try #require(json["dots_done"] as? Int)
        try #require(done > 0)
        // One data-count per depth band path of the executed session; together every executed dot.
        let pattern = try Regex(#"class="dots (shallow|on-target|deep)" stroke-width="[0-9.]+" data-count="([0-9]+)""#)
        let counts = html.matches(of: pattern).compactMap { Int($0.output[2].substring ?? "") }
        #expect(counts.count == 3)
        #expect(counts.reduce(0, +) == done)
        #expect(!html.contains("http://") || !html.contains("src=\"http"), "the report loads nothing from the network")
    }

    @Test func reportNumbersAreTheJSONSummarys() throws {
        let run = try Self.run.get()
        let (json, html) = (try run.json, run.html)
        let summary = try Self.embeddedSummary(html)
        for (reportKey, jsonKey) in [
            ("session_time_s", "session_time_s"), ("machine_time_s", "machine_time_s"),
            ("estimated_time_s", "estimated_time_s"), ("probing_time_s", "probing_time_s"),
            ("dots_planned", "dots_planned"), ("dots_done", "dots_done"), ("blowouts", "blowouts"),
            ("shallow", "shallow"),
        ] {
            let fromReport = try #require(summary[reportKey] as? Double, "\(reportKey)")
            let fromJSON = try #require(json[jsonKey] as? Double, "\(jsonKey)")
            #expect(fromReport == fromJSON, "\(reportKey)")
        }
        let depth = try #require(json["depth_mm"] as? [String: Any])
        #expect(summary["depth_p05_mm"] as? Double == depth["p05"] as? Double)
        #expect(summary["depth_mean_mm"] as? Double == depth["mean"] as? Double)
        #expect(summary["depth_p95_mm"] as? Double == depth["p95"] as? Double)
        let regions = try #require(json["regions"] as? [[String: Any]])
        let reportRegions = try #require(summary["regions"] as? [[String: Any]])
        try #require(regions.count == reportRegions.count && !regions.isEmpty)
        for (region, reported) in zip(regions, reportRegions) {
            #expect(region["name"] as? String == reported["name"] as? String)
            for key in ["dots", "time_s", "depth_p05_mm", "mean_depth_mm", "depth_p95_mm", "shallow", "deep"] {
                #expect(region[key] as? Double == reported[key] as? Double, "\(key)")
            }
        }
        // What the page shows is formatted from those numbers.
        let dotsDone = try #require(json["dots_done"] as? Int)
        let planned = try #require(json["dots_planned"] as? Int)
        #expect(html.contains(#"<dd data-key="dots">\#(dotsDone) of \#(planned)"#))
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
            let page = file.deletingLastPathComponent().appendingPathComponent("\(section.id).html")
            let focused = html.replacingOccurrences(
                of: "</head>", with: "<style>section:not(#\(section.id)),h1,.sub{display:none}</style></head>")
            try Data(focused.utf8).write(to: page)
            let shot = file.deletingLastPathComponent().appendingPathComponent("\(section.id).png")
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
            #expect(data.count > 4_000, "\(section.id): \(data.count) bytes")
            let image = try PNGImage(data: data)
            #expect(image.width == 1000 && image.height == 700)
            let background =
                image.count(near: (0xfa, 0xfa, 0xfa), tolerance: 3)
                + image.count(near: (0xff, 0xff, 0xff), tolerance: 3)
            #expect(background < image.width * image.height * 98 / 100, "\(section.id) is blank")
            let drawn = section.colours.map { image.count(near: $0, tolerance: 40) }
            #expect(drawn.allSatisfy { $0 > 200 }, "\(section.id): \(drawn) pixels of \(section.what)")
        }
    }
}
