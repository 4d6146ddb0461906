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
        /// A stroke the board counted (at full depth); the others were on the way down or up, and count only for
        /// the puncture load of the stroke that opened the hole.
        var counted = true
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

    /// What one ladder or check pass gave: the counted strokes, its machine time and touch-offs.
    struct LadderPass {
        var samples: [Sample]
        var seconds: Double
        var touchOffs: Int
    }

    /// One pass: a small grid around the patch, then one dot per hang at sites 1.5 mm apart, with stroke detail.
    /// The pass's 2 x 2 grid is only bilinear over the patch, so each stroke's z is corrected to the `reference`
    /// map (the fine mesh of the first pass) where it covers the dot: a curved scalp sags by a few hundredths of a
    /// millimetre between the corners, which would otherwise shift every intrusion the ladder reads.
    static func ladderPass<Transport: ControllerTransport>(
        hangs: [Double], centre: (x: Double, y: Double), region: ScalpRegion, request: CalibrationRequest,
        reference: SurfaceMap?, firstID: Int, makeTransport: () -> Transport
    ) throws(CalibrationError) -> LadderPass {
        let perRow = 5
        let pitch = 1.5
        let dots = hangs.enumerated().map { index, hang in
            MotionDot(
                id: firstID + index + 1, xMM: centre.x + Double(index % perRow - perRow / 2) * pitch,
                yMM: centre.y + Double(index / perRow) * pitch, localHangMM: hang,
                strokes: request.skin.plannedStrokes, rateHz: request.skin.plannedStrokeRateHz,
                cartridge: request.cartridge.group)
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
        var correction: [UInt32: Double] = [:]
        for (index, dot) in dots.enumerated() {
            let x = dot.xMM * 1000
            let y = dot.yMM * 1000
            guard let fine = reference?.height(x: x, y: y), let coarse = pass.controller.surface.height(x: x, y: y)
            else { continue }
            correction[pass.controller.wireID(ofDot: index)] = Double(fine - coarse) / 1000
        }
        var samples: [Sample] = []
        for detail in pass.controller.strokeDetails {
            for (order, stroke) in detail.strokes.enumerated() {
                samples.append(
                    Sample(
                        dot: detail.dotID, order: order,
                        zMM: Double(stroke.zMicrometres) / 1000 + (correction[detail.dotID] ?? 0),
                        peak: stroke.peakLoadMillinewtons, bottom: stroke.bottomLoadMillinewtons,
                        counted: stroke.counted))
            }
        }
        guard samples.contains(where: \.counted) else {
            throw CalibrationError(.measurement, "ladder (\(region.rawValue)): the board reported no stroke detail")
        }
        return LadderPass(samples: samples, seconds: pass.seconds, touchOffs: pass.controller.touchOffs.count)
    }

    /// What a ladder or a check site measured: the loads of the three phases of a stroke.
    struct Analysis {
        var membrane: Double
        /// Tent stiffness (N/mm); nil when no stroke tented (a short ladder or check site whose rungs all punctured).
        var stiffness: Double?
        /// Median load at the first puncture of a dot (mN): the tent force the skin takes before it gives way.
        var punctureLoadMN: Double?
        /// Median bottom load of the strokes that re-entered an opened hole (mN): the residual tent.
        var residualLoadMN: Double
        /// The lowest rung from which every counted stroke of every higher rung punctured (mm); nil when the top
        /// rung tented.
        var reliablePuncture: Double?
        /// The highest local hang at which a dot only tented (mm): the puncture threshold lies above it.
        var highestTentingHang: Double?
    }

    /// A stroke punctured when its bottom load fell well below its peak.
    static func punctured(_ sample: Sample) -> Bool {
        Double(sample.bottom) < punctureDropFraction * Double(sample.peak)
    }

    /// The bottoms of the strokes that re-entered a hole their dot already opened (the deepest deposits), or all
    /// punctured bottoms when no dot punctured twice.
    static func reopeningBottoms(_ punctured: [Sample]) -> [Double] {
        var firstSeen = Set<UInt32>()
        var later: [Double] = []
        for sample in punctured.sorted(by: { ($0.dot, $0.order) < ($1.dot, $1.order) }) {
            if firstSeen.contains(sample.dot) {
                later.append(Double(sample.bottom))
            } else {
                firstSeen.insert(sample.dot)
            }
        }
        return later.isEmpty ? punctured.map { Double($0.bottom) } : later
    }

    /// The peak load of each dot's first punctured stroke, counted or not: the skin's puncture force there (the
    /// later strokes re-enter the hole and need less).
    static func firstPunctureLoads(_ samples: [Sample]) -> [Double] {
        Dictionary(grouping: samples, by: \.dot).values.compactMap { strokes in
            strokes.filter(punctured).min(by: { $0.order < $1.order }).map { Double($0.peak) }
        }
    }

    /// Reads the strokes of a ladder or check site. With `knownMembrane` nil the tenting strokes fix the membrane
    /// loss and the stiffness (a line load = k (z - m)); else each tenting stroke gives k = load / (z - m).
    static func analyse(_ all: [Sample], knownMembrane: Double?, region: ScalpRegion) throws(CalibrationError)
        -> Analysis
    {
        let samples = all.filter(\.counted)
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
        let highestTenting = Dictionary(grouping: samples, by: \.dot).values
            .filter { !$0.contains(where: punctured) }.compactMap { $0.map(\.zMM).max() }.max()
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
        } else {
            // Strokes that barely reach past the membrane say little about the slope: sensor noise dominates.
            let usable = tenting.filter { $0.zMM - knownMembrane! > 0.05 }
            if !usable.isEmpty {
                stiffness = median(usable.map { Double($0.bottom) / 1000 / ($0.zMM - knownMembrane!) })
            }
        }
        let punctureLoads = firstPunctureLoads(all)
        return Analysis(
            membrane: membrane!, stiffness: stiffness,
            punctureLoadMN: punctureLoads.isEmpty ? nil : median(punctureLoads),
            residualLoadMN: median(reopeningBottoms(pierced)), reliablePuncture: reliable,
            highestTentingHang: highestTenting)
    }
}
