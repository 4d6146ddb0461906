import Foundation
import SMPPlanning

extension HTMLReport {
    // MARK: text

    static func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

    /// A figure that may not have been measured.
    static func fixed(_ value: Double?, _ decimals: Int) -> String { value.map { fixed($0, decimals) } ?? "–" }

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
        .sw.planned{background:#b9b9b9}.sw.unmeasured{background:#6b6b6b}.sw.fault{background:#d33a2c}.sw.emergency_stop{background:#7a0010}
        .sw.hold{background:#f3d27a;border-radius:0;border:1px solid #e0a100}.sw.link_lost{background:#555}
        .sw.cartridge{background:#7b4bd1}
        #map{width:100%;height:auto;max-height:80vh;background:#fff;border:1px solid #ddd}
        #look-view{overflow:auto;max-height:85vh;border:1px solid #ddd}
        .dots{fill:none;stroke-linecap:round}.dots.shallow{stroke:#2f7fd8}.dots.on-target{stroke:#2e9e4f}
        .dots.deep{stroke:#d33a2c}.dots.unmeasured{stroke:#6b6b6b}.dots.planned{stroke:#c4c4c4}.pigment{fill:none;stroke-linecap:round}
        .region{fill:none;stroke:#777;stroke-width:0.3;vector-effect:non-scaling-stroke;stroke-dasharray:4 3}
        .hairline{fill:none;stroke:#111;stroke-width:2;vector-effect:non-scaling-stroke}
        .travel{fill:none;stroke:#444;stroke-width:0.08;opacity:0.6;display:none}
        .show-travel .travel{display:inline}
        .hists{display:flex;flex-wrap:wrap;gap:12px}.hist{margin:0;background:#fff;border:1px solid #ddd;padding:4px}
        .hist figcaption{font-size:12px;color:#444}.target{fill:#2e9e4f;opacity:0.15}
        .bar.on-target{fill:#2e9e4f}.bar.shallow{fill:#2f7fd8}.bar.deep{fill:#d33a2c}
        .axis{stroke:#888}.tick{font-size:10px;fill:#555}.label{font-size:11px;fill:#333}
        #timeline{width:100%;background:#fff;border:1px solid #ddd}
        .plot{fill:#f6f6f6}.series{fill:none;stroke-width:2;vector-effect:non-scaling-stroke}
        .series.rate{stroke:#1d6fb8}.series.hang{stroke:#8a4fbf}.series.speed{stroke:#c26a00}
        .event line{stroke-width:1.5;vector-effect:non-scaling-stroke}.event.fault{stroke:#d33a2c;fill:#d33a2c}
        .event.emergency_stop{stroke:#7a0010;fill:#7a0010}.event.link_lost,.event.board_restarted{stroke:#555;fill:#555}
        .event.link_lost line,.event.board_restarted line{stroke-dasharray:4 3}
        .event.cartridge,.event.pigment{stroke:#7b4bd1;fill:#7b4bd1}.event .event-label{stroke:none;fill:inherit}
        .hold-span rect{fill:#e0a100;fill-opacity:0.22;stroke:#e0a100;stroke-width:1;vector-effect:non-scaling-stroke}
        .event-label{font-size:11px;fill:#333}.hold-span .event-label{fill:#8a6200}
        table.events{font-size:12px;margin-top:6px}tr.fault td,tr.emergency_stop td{color:#b00020}
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
