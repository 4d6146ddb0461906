import Benchmark
import SMPChecksum
import SMPHardware
import SMPWire
import SMPWireTesting

// Figures and the commands that produce them are in Docs/Performance.md. Custom metrics carry non-time results
// (bytes per dot are recorded in hundredths, so 782 means 7.82 bytes).

let sessionDots = 10_000

/// G-code a GRBL-style sender streams for the same dots: rapid to the site, plunge to the hang, dwell for the strokes,
/// retract; GRBL answers every line with "ok\r\n".
func grblProgram(for dots: [DotCommand], strokes: Int, strokeRateHertz: Double, liftMicrometres: UInt32) -> (
    program: String, lines: Int
) {
    func millimetres(_ micrometres: Int32) -> String {
        let sign = micrometres < 0 ? "-" : ""
        let magnitude = abs(Int(micrometres))
        let fraction = magnitude % 1_000
        return "\(sign)\(magnitude / 1_000).\(String(repeating: "0", count: 3 - String(fraction).count))\(fraction)"
    }
    var lines = ["G21 G90", "M3 S\(Int(strokeRateHertz * 60))"]
    let dwell = Double(strokes) / strokeRateHertz
    let dwellText = "G4 P0.\(String(Int((dwell * 1_000).rounded())).leftPadded(to: 3))"
    for dot in dots {
        lines.append("G0 X\(millimetres(dot.xMicrometres)) Y\(millimetres(dot.yMicrometres))")
        lines.append("G1 Z-\(millimetres(dot.hangMicrometres)) F3000")
        lines.append(dwellText)
        lines.append("G0 Z\(millimetres(Int32(liftMicrometres)))")
    }
    return (lines.joined(separator: "\n") + "\n", lines.count)
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// The breakdown's metrics must be declared up front (the benchmark records only declared custom metrics): every
/// phase and kind ``ControllerSession/breakdown()`` can name.
let sessionMetricNames: Set<String> = ControllerSession.metricNames
let sessionMetrics: [BenchmarkMetric] = sessionMetricNames.sorted().map { BenchmarkMetric.custom($0) }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 3,
        maxDuration: .seconds(5), maxIterations: 200)

    Benchmark("Encode: pack 10,000 dots into trains and frames") { (benchmark: Benchmark, dots: [DotCommand]) in
        for _ in benchmark.scaledIterations {
            var encoder = FrameEncoder()
            var output: [UInt8] = []
            output.reserveCapacity(60_000)
            let trains = try! DotTrain.pack(dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 300)
            for (index, train) in trains.enumerated() {
                let raw = try! Message.dotTrain(train).encoded()
                try! encoder.encode(
                    Frame(
                        acknowledgement: 0, body: .sequenced(sequence: UInt8(truncatingIfNeeded: index), message: raw)),
                    into: &output)
            }
            blackHole(output)
        }
    } setup: {
        SessionScenario.dots(count: sessionDots, seed: 1)
    }

    Benchmark("Decode: frames and messages of a 10,000-dot session's trains") {
        (benchmark: Benchmark, stream: [UInt8]) in
        for _ in benchmark.scaledIterations {
            var decoder = FrameDecoder()
            var dots = 0
            decoder.feed(stream) { event in
                if case .frame(let frame, _) = event, case .sequenced(_, let raw) = frame.body,
                    case .dotTrain(let train)? = try? Message(decoding: raw)
                {
                    dots += train.dots.count
                }
            }
            precondition(dots == sessionDots)
            blackHole(dots)
        }
    } setup: {
        let dots = SessionScenario.dots(count: sessionDots, seed: 1)
        var encoder = FrameEncoder()
        var output: [UInt8] = [FramingByte.delimiter]
        for (index, train) in try DotTrain.pack(
            dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 300
        )
        .enumerated() {
            try encoder.encode(
                Frame(
                    acknowledgement: 0,
                    body: .sequenced(
                        sequence: UInt8(truncatingIfNeeded: index), message: try Message.dotTrain(train).encoded())),
                into: &output)
        }
        return output
    }

    Benchmark("CRC-32C: 1 MiB", configuration: .init(metrics: [.wallClock, .throughput], timeUnits: .microseconds)) {
        (benchmark: Benchmark, data: [UInt8]) in
        for _ in benchmark.scaledIterations { blackHole(CRC32C.checksum(data)) }
    } setup: {
        var random = SeededGenerator(seed: 3)
        return (0..<(1 << 20)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    // The controller's own session, as `smpctl dry-run Examples/norwood5.json --seed 7` runs it: SessionController
    // through ControllerDriver against the simulated board (its crystal, the USB link), every byte that crosses the
    // link counted. Bytes per dot are split by phase (before streaming: hello, clock warm-up, arming, probing; while
    // streaming: the dots, and apart from them the status queries of the clock fit) and by kind.
    Benchmark(
        "Session: wire bytes per dot, norwood5 session 1 through the controller (smp-wire vs GRBL G-code)",
        configuration: .init(
            metrics: [
                .custom("smp-wire host->board centibytes/dot"), .custom("smp-wire board->host centibytes/dot"),
                .custom("GRBL host->board centibytes/dot"), .custom("GRBL board->host centibytes/dot"),
                .custom("GRBL with 5 Hz status polling, board->host centibytes/dot"),
                .custom("streaming virtual seconds"), .custom("dots"),
            ] + sessionMetrics, maxIterations: 1)
    ) { benchmark in
        let session = ControllerSession.norwood5()
        let dots = session.dots
        benchmark.measurement(.custom("dots"), dots)
        benchmark.measurement(.custom("smp-wire host->board centibytes/dot"), session.hostToBoard.count * 100 / dots)
        benchmark.measurement(.custom("smp-wire board->host centibytes/dot"), session.boardToHost.count * 100 / dots)
        let grbl = grblProgram(
            for: session.commands, strokes: session.strokes, strokeRateHertz: session.strokeRateHertz,
            liftMicrometres: session.liftMicrometres)
        let okBytes = grbl.lines * 4
        benchmark.measurement(.custom("GRBL host->board centibytes/dot"), grbl.program.utf8.count * 100 / dots)
        benchmark.measurement(.custom("GRBL board->host centibytes/dot"), okBytes * 100 / dots)
        // A typical sender polls '?' at 5 Hz; GRBL 1.1 answers with about 60 bytes of '<Run|MPos:...|FS:...>'.
        let polled = okBytes + Int(session.streamingSeconds * 5 * 60)
        benchmark.measurement(
            .custom("GRBL with 5 Hz status polling, board->host centibytes/dot"), polled * 100 / dots)
        benchmark.measurement(.custom("streaming virtual seconds"), Int(session.streamingSeconds))
        for (name, bytes) in session.breakdown() {
            precondition(sessionMetricNames.contains(name), "undeclared metric \(name)")
            benchmark.measurement(.custom(name), bytes * 100 / dots)
        }
    }

    Benchmark(
        "Repair: latency of a lost frame, 1e-3 frame loss, 921,600 baud (virtual time)",
        configuration: .init(
            metrics: [.custom("repair latency us"), .custom("lost sequenced frames"), .custom("undelivered")],
            timeUnits: .microseconds, maxIterations: 1)
    ) { benchmark in
        // 2,000 virtual seconds, a full frame each way every 10 ms: about 400,000 sequenced frames.
        let result = RepairScenario.repairLatencies(duration: 2_000_000_000, interval: 10_000, loss: 1e-3, seed: 7)
        for latency in result.latencies { benchmark.measurement(.custom("repair latency us"), Int(latency)) }
        benchmark.measurement(.custom("lost sequenced frames"), result.latencies.count)
        benchmark.measurement(.custom("undelivered"), result.undelivered)
    }

    Benchmark(
        "Frame check: 10^8 random bit-flip patterns on a dot-train frame",
        configuration: .init(
            metrics: [.wallClock, .custom("undetected corrupt frames"), .custom("trials (millions)")],
            timeUnits: .seconds, maxIterations: 1)
    ) { benchmark in
        let trials = 100_000_000
        let dots = SessionScenario.dots(count: 60, seed: 2)
        let train = try! DotTrain.pack(dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 300)[0]
        var encoder = FrameEncoder()
        let frame = try! encoder.unstuffedBytes(
            of: Frame(
                acknowledgement: 1, body: .sequenced(sequence: 2, message: try! Message.dotTrain(train).encoded())))
        var random = SeededGenerator(seed: 99)
        var undetected = 0
        var corrupted = frame
        let bits = UInt64(frame.count * 8)
        for _ in 0..<trials {
            let flips = 1 + Int(random.next() % 16)
            var positions: [Int] = []
            for _ in 0..<flips {
                let bit = Int(random.next() % bits)
                positions.append(bit)
                corrupted[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            if corrupted != frame {
                let body = corrupted.count - 4
                let stored =
                    UInt32(corrupted[body]) | UInt32(corrupted[body + 1]) << 8 | UInt32(corrupted[body + 2]) << 16
                    | UInt32(corrupted[body + 3]) << 24
                let computed = corrupted.withUnsafeBytes { raw in
                    var crc = CRC32C(seed: WireSchema.hash)
                    crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<body]))
                    return crc.value
                }
                if computed == stored { undetected += 1 }
            }
            for bit in positions { corrupted[bit / 8] ^= UInt8(1 << (bit % 8)) }
        }
        benchmark.measurement(.custom("undetected corrupt frames"), undetected)
        benchmark.measurement(.custom("trials (millions)"), trials / 1_000_000)
    }
}
