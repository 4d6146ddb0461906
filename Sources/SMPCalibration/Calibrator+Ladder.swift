import Logging
import SMPControl
import SMPHardware
import SMPMotion
import SMPPlanning
import SMPWire

extension Calibrator {
    // MARK: The ladder

    struct Sample {
        var dot: UInt32
        var order: Int
        var zMM: Double
        var peak: UInt16
        var bottom: UInt16
    }

    static func patchCentre(_ points: [(x: Double, y: Double)]) -> (x: Double, y: Double) {
        let mean = (
            x: points.map(\.x).reduce(0, +) / Double(points.count),
            y: points.map(\.y).reduce(0, +) / Double(points.count)
        )
        return points.min {
            ($0.x - mean.x) * ($0.x - mean.x) + ($0.y - mean.y) * ($0.y - mean.y)
                < ($1.x - mean.x) * ($1.x - mean.x) + ($1.y - mean.y) * ($1.y - mean.y)
        }!
    }

    /// One pass: a small grid around the patch, then one dot per hang at sites 1.5 mm apart, with stroke detail.
    static func ladderPass<Transport: ControllerTransport>(
        hangs: [Double], centre: (x: Double, y: Double), region: ScalpRegion, request: CalibrationRequest,
        firstID: Int, makeTransport: () -> Transport
    ) throws(CalibrationError) -> (samples: [Sample], seconds: Double, touchOffs: Int) {
        let perRow = 5
        let pitch = 1.5
        let dots = hangs.enumerated().map { index, hang in
            MotionDot(
                id: firstID + index + 1, xMM: centre.x + Double(index % perRow - perRow / 2) * pitch,
                yMM: centre.y + Double(index / perRow) * pitch, localHangMM: hang,
                strokes: request.skin.plannedStrokes, rateHz: request.skin.plannedStrokeRateHz,
                cartridge: request.handpiece.needle.group)
        }
        let xs = dots.map(\.xMM)
        let ys = dots.map(\.yMM)
        let span = max(xs.max()! - xs.min()!, ys.max()! - ys.min()!) + 2
        let spacing = max(1, (span * 1000).rounded(.up) / 1000)
        let grid = SurfaceGrid(
            originXMicrometres: Int32(((xs.min()! - 1) * 1000).rounded()),
            originYMicrometres: Int32(((ys.min()! - 1) * 1000).rounded()),
            spacingMicrometres: UInt32((spacing * 1000).rounded()), nx: 2, ny: 2)
        let control = dots.map {
            ControlDot(motion: $0, hangBandMM: 0.05...request.board.hangCeilingMM, regionName: "test patch")
        }
        let pass = try session(dots: control, grid: grid, checks: [], request: request, transport: makeTransport())
        var samples: [Sample] = []
        for detail in pass.controller.strokeDetails {
            for (order, stroke) in detail.strokes.enumerated() where stroke.counted {
                samples.append(
                    Sample(
                        dot: detail.dotID, order: order, zMM: Double(stroke.zMicrometres) / 1000,
                        peak: stroke.peakLoadMillinewtons, bottom: stroke.bottomLoadMillinewtons))
            }
        }
        guard !samples.isEmpty else {
            throw CalibrationError(.measurement, "ladder (\(region.rawValue)): the board reported no stroke detail")
        }
        return (samples, pass.seconds, pass.controller.touchOffs.count)
    }

    struct Analysis {
        var membrane: Double
        var stiffness: Double?
        var residualLoadMN: Double
        var reliablePuncture: Double
    }

    /// The bottoms of the strokes that re-entered a hole their dot already opened (the deepest deposits), or all
    /// punctured bottoms when no dot punctured twice.
    static func reopeningBottoms(_ punctured: [Sample]) -> [Double] {
        var firstSeen = Set<UInt32>()
        var later: [Double] = []
        for sample in punctured {
            if firstSeen.contains(sample.dot) {
                later.append(Double(sample.bottom))
            } else {
                firstSeen.insert(sample.dot)
            }
        }
        return later.isEmpty ? punctured.map { Double($0.bottom) } : later
    }

    static func analyse(_ samples: [Sample], knownMembrane: Double?, region: ScalpRegion) throws(CalibrationError)
        -> Analysis
    {
        func punctured(_ s: Sample) -> Bool { Double(s.bottom) < punctureDropFraction * Double(s.peak) }
        let tenting = samples.filter { !punctured($0) && Double($0.bottom) >= minimumTentLoadMN }
        let pierced = samples.filter(punctured)
        guard !pierced.isEmpty else {
            throw CalibrationError(
                .measurement,
                "ladder (\(region.rawValue)): no stroke punctured up to a hang of "
                    + "\((samples.map(\.zMM).max() ?? 0).formatted(3)) mm (load never dropped)")
        }
        // The lowest hang from which every counted stroke of every higher rung punctured.
        let byHang = Dictionary(grouping: samples, by: { ($0.zMM * 1000).rounded() })
        var reliable: Double?
        for hang in byHang.keys.sorted(by: >) {
            if byHang[hang]!.allSatisfy(punctured) { reliable = hang / 1000 } else { break }
        }
        guard let reliable else {
            throw CalibrationError(
                .measurement, "ladder (\(region.rawValue)): puncture never became reliable (the top rung tented)")
        }
        var membrane = knownMembrane
        var stiffness: Double?
        let distinct = Set(tenting.map { ($0.zMM * 1000).rounded() })
        if knownMembrane == nil {
            guard distinct.count >= 2 else {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): \(distinct.count) tenting rung(s); at least 2 are needed for the "
                        + "membrane loss")
            }
            let n = Double(tenting.count)
            let mz = tenting.map(\.zMM).reduce(0, +) / n
            let mf = tenting.map { Double($0.bottom) }.reduce(0, +) / n
            let sxy = tenting.map { ($0.zMM - mz) * (Double($0.bottom) - mf) }.reduce(0, +)
            let sxx = tenting.map { ($0.zMM - mz) * ($0.zMM - mz) }.reduce(0, +)
            let slope = sxy / sxx  // mN per mm
            guard slope > 10 else {
                throw CalibrationError(
                    .measurement, "ladder (\(region.rawValue)): the tent load does not rise with depth; too noisy")
            }
            membrane = mz - mf / slope
            stiffness = slope / 1000
        } else if !tenting.isEmpty {
            let values = tenting.map { Double($0.bottom) / 1000 / max(1e-3, $0.zMM - knownMembrane!) }
            stiffness = median(values)
        }
        return Analysis(
            membrane: membrane!, stiffness: stiffness, residualLoadMN: median(reopeningBottoms(pierced)),
            reliablePuncture: reliable)
    }
}
