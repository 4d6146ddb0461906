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
                summary.depthMeanMM == nil
                    ? "not measured"
                    : "\(fixed(summary.depthP05MM, 2)) / \(fixed(summary.depthMeanMM, 2)) / "
                        + "\(fixed(summary.depthP95MM, 2)) mm"
            ),
            (
                "blowouts", "Too deep / too shallow",
                summary.blowouts == nil ? "not measured" : "\(summary.blowouts ?? 0) / \(summary.shallow ?? 0)"
            ),
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
                fixed(region.depthP95MM, 2), region.deep.map { "\($0)" } ?? "–", region.shallow.map { "\($0)" } ?? "–",
            ] {
                html.element("td", value, attributes: ["class": "num"])
            }
            html.raw("</tr>\n")
        }
        html.raw(
            "</tbody></table><p class=\"note\">Depths in mm of tissue (deposit depth of the pigment; – where nothing "
                + "measured it). "
                + "Time counts each dot from the end of the previous one (the move to it included).</p></section>\n")
    }
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
