import Foundation
import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPPlanning
import SMPWire
import SMPWireTesting

/// A dry run's session through the real controller with every byte kept, and where those bytes go.
struct ControllerSession {
    var dots: Int
    /// Both directions' bytes, and the offsets at which streaming began in each (everything before is the hello,
    /// the clock warm-up, arming and probing).
    var hostToBoard: [UInt8]
    var boardToHost: [UInt8]
    var hostToBoardStreamingStart: Int
    var boardToHostStreamingStart: Int
    /// The dots as the controller commanded them (for the G-code comparison), and their shape.
    var commands: [DotCommand]
    var strokes: Int
    var strokeRateHertz: Double
    var liftMicrometres: UInt32
    var streamingSeconds: Double

    /// `smpctl dry-run Examples/norwood5.json --seed 7`: session 1 of the example plan on the curved scalp.
    static func norwood5() -> ControllerSession {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let result: PlanResult
        do {
            result = try Planner.run(
                try PlanLoader.load(contentsOf: root.appendingPathComponent("Examples/norwood5.json")))
        } catch {
            fatalError("WireBenchmarks: Examples/norwood5.json does not plan: \(error)")
        }
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 7
        let dots = ControlDot.dots(of: result)
        let driver = DryRun.recordedSession(
            dots: dots, setup: DryRun.simulationSetup(options: options, seed: options.seed), options: options)
        let controller = driver.controller
        let transport = driver.transport
        guard controller.state == .finished, let streamingStart = controller.streamingStartedAt,
            let schedule = controller.schedule, let first = schedule.dots.first
        else { fatalError("WireBenchmarks: the norwood5 session did not finish: \(controller.state)") }
        func offset(of chunks: [TransportArrival], before time: UInt64) -> Int {
            chunks.prefix { $0.time < time }.reduce(0) { $0 + $1.bytes.count }
        }
        let commands = schedule.dots.enumerated().map { index, dot in
            DotCommand(
                id: controller.wireID(ofDot: index), startTime: dot.start, xMicrometres: dot.xMicrometres,
                yMicrometres: dot.yMicrometres, hangMicrometres: dot.localHangMicrometres)
        }
        let end = controller.finishedAt ?? transport.now
        return ControllerSession(
            dots: dots.count, hostToBoard: transport.hostToBoard, boardToHost: transport.boardToHost,
            hostToBoardStreamingStart: offset(of: transport.writes, before: streamingStart),
            boardToHostStreamingStart: offset(of: transport.arrivals, before: streamingStart),
            commands: commands, strokes: first.strokes, strokeRateHertz: Double(first.rateCentihertz) / 100,
            liftMicrometres: first.liftMicrometres, streamingSeconds: Double(end - streamingStart) / 1e6)
    }

    static let directions = ["host->board", "board->host"]
    static let kinds = MessageType.allCases.map(\.name) + ["link", "heartbeat", "error"]
    /// The status queries and their answers: the clock fit's cost, counted apart from streaming.
    static let clockKinds: Set<String> = [MessageType.statusQuery.name, MessageType.status.name]

    static var metricNames: Set<String> {
        var names: Set<String> = []
        for direction in directions {
            for total in ["before streaming", "streaming", "streaming clock queries"] {
                names.insert("\(direction) \(total) centibytes/dot")
            }
            for kind in kinds {
                names.insert("\(direction) before streaming: \(kind) centibytes/dot")
                names.insert("\(direction) streaming: \(kind) centibytes/dot")
            }
        }
        return names
    }

    /// Bytes by metric name (see ``metricNames``): per direction, the phase totals (streaming without the clock
    /// queries, the clock queries while streaming, everything before streaming) and each phase by kind.
    func breakdown() -> [(name: String, bytes: Int)] {
        var result: [(String, Int)] = []
        for (direction, bytes, start) in [
            ("host->board", hostToBoard, hostToBoardStreamingStart),
            ("board->host", boardToHost, boardToHostStreamingStart),
        ] {
            let before = WireByteBreakdown(capture: Array(bytes[..<start])).bytes
            let streaming = WireByteBreakdown(capture: Array(bytes[start...])).bytes
            let clock = streaming.filter { Self.clockKinds.contains($0.key) }.values.reduce(0, +)
            result.append(("\(direction) before streaming centibytes/dot", before.values.reduce(0, +)))
            result.append(("\(direction) streaming centibytes/dot", streaming.values.reduce(0, +) - clock))
            result.append(("\(direction) streaming clock queries centibytes/dot", clock))
            for kind in Self.kinds {
                result.append(("\(direction) before streaming: \(kind) centibytes/dot", before[kind] ?? 0))
                result.append(("\(direction) streaming: \(kind) centibytes/dot", streaming[kind] ?? 0))
            }
        }
        return result
    }
}
