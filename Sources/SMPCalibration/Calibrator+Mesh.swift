import Logging
import SMPControl
import SMPHardware
import SMPMotion
import SMPPlanning
import SMPWire

extension Calibrator {
    // MARK: The mesh

    /// Largest |touch-off - map| at the held-out points (mm) a mesh may leave; above it a finer grid is probed.
    static let meshToleranceMM = 0.02
    /// A finer grid aims at this fraction of the tolerance: the residual is a sample, not the maximum.
    static let meshAimFraction = 0.5
    /// The limit on a calibration's machine time (s).
    static let machineTimeLimitS = 120.0
    /// Machine time kept for the ladder (s): on the simulator the first region's long ladder with its bisection
    /// rungs and check pairs takes up to about 61 s, a further region's short ladder about 8 s and each of its up
    /// to four check pairs about 6.5 s; a few seconds of margin on each.
    static func ladderReserveS(regions: Int) -> Double { 64 + 38 * Double(max(0, regions - 1)) }
    /// A finer grid is probed only when its spacing is at most this fraction of the last one: a smaller step costs
    /// a whole pass for a residual that barely moves.
    static let smallestUsefulRefinement = 0.85
    /// An earlier touch-off this close to a node of the finer grid (µm) is not held out from it.
    static let heldOutClearanceMicrometres = 100.0

    /// A touched-off place: position and skin height (µm).
    struct Touch {
        var x: Int32
        var y: Int32
        var height: Int32
    }

    /// The measured mesh: the grid of the last pass, its node heights and quality, and what probing cost.
    struct MeshMeasurement {
        var grid: SurfaceGrid
        var heights: [Int32]
        /// Largest |touch-off - map| at the last grid's held-out points (mm).
        var residualMM: Double
        /// Largest |touch-off again - first touch-off| at the repeat nodes of the first pass (mm).
        var repeatabilityMM: Double
        /// The residual of every pass, coarse first (mm).
        var residualsMM: [Double]
        var seconds: Double
        var touchOffs: Int
        var passes: Int
    }

    /// Pass 1 and its refinements. The coarse grid (``meshGrid(over:board:spacing:)``) is touched off with
    /// held-out points at cell centres and repeat nodes. While the held-out residual exceeds ``meshToleranceMM``, a
    /// finer grid is declared and every node touched off (no host can write a height, Docs/Protocol.md §10.1): the
    /// spacing a Catmull-Rom fit needs for the tolerance (its error falls as the fourth power of the spacing on a
    /// smooth surface), as fine as the machine time left after the ladder's reserve allows. A finer pass needs no
    /// check touch-offs of its own: every earlier touch-off that is not one of its nodes is held out from it.
    /// `probingBudgetS` replaces the machine time the ladder's reserve leaves for probing (tests of the refinement
    /// itself).
    static func measureMesh<Transport: ControllerTransport>(
        _ request: CalibrationRequest, probingBudgetS: Double? = nil, makeTransport: () -> Transport
    ) throws(CalibrationError) -> MeshMeasurement {
        let regions = Set(request.area.map { ScalpRegion.at(x: $0.x, y: $0.y) }).count
        let budget = probingBudgetS ?? machineTimeLimitS - ladderReserveS(regions: regions)
        var grid = try meshGrid(over: request.area, board: request.board)
        let coarse = try meshPass(grid, checks: true, request: request, transport: makeTransport())
        var measured = coarse.touches
        var measurement = MeshMeasurement(
            grid: grid, heights: coarse.heights, residualMM: coarse.residualMM,
            repeatabilityMM: coarse.repeatabilityMM, residualsMM: [coarse.residualMM], seconds: coarse.seconds,
            touchOffs: coarse.touchOffs, passes: 1)
        let secondsPerTouchOff = coarse.seconds / Double(max(1, coarse.touchOffs))
        while measurement.residualMM > meshToleranceMM {
            let spacing = Double(grid.spacingMicrometres) / 1000
            let wanted =
                spacing * (meshAimFraction * meshToleranceMM / measurement.residualMM).squareRoot().squareRoot()
            let affordable = (budget - measurement.seconds) / secondsPerTouchOff
            guard
                let finer = refinedGrid(
                    over: request.area, board: request.board, wanted: wanted, below: spacing,
                    nodesAtMost: affordable)
            else { break }
            grid = finer
            let pass = try meshPass(grid, checks: false, request: request, transport: makeTransport())
            let residual = try heldOutResidual(of: pass, grid: grid, at: measured)
            measured += pass.touches
            measurement.grid = grid
            measurement.heights = pass.heights
            measurement.residualMM = residual
            measurement.residualsMM.append(residual)
            measurement.seconds += pass.seconds
            measurement.touchOffs += pass.touchOffs
            measurement.passes += 1
        }
        return measurement
    }

    /// The grid for a refinement: of the grids at most ``smallestUsefulRefinement`` of `current` apart with at most
    /// `nodesAtMost` nodes, the coarsest at most `wanted` apart, else the finest (the one nearest `wanted` from
    /// above); nil when there is none. The candidates are the spacings that divide the area's box into whole cells
    /// along one side (rounded up to 1 µm), so that no node is spent on a part row.
    static func refinedGrid(
        over area: [(x: Double, y: Double)], board: BoardDefinition, wanted: Double, below current: Double,
        nodesAtMost limit: Double
    ) -> SurfaceGrid? {
        let box = meshBox(area)
        let sides = [box.high.x - box.low.x, box.high.y - box.low.y]
        let candidates = Set(
            sides.flatMap { side in (1...31).map { cells in (side / Double(cells) * 1000).rounded(.up) / 1000 } })
        let affordable = candidates.sorted().filter { $0 >= 1 && $0 <= current * smallestUsefulRefinement }
            .compactMap { spacing in
                (try? meshGrid(over: area, board: board, spacing: spacing)).flatMap { grid in
                    Double(Int(grid.nx) * Int(grid.ny)) <= limit ? (spacing, grid) : nil
                }
            }
        return (affordable.last { $0.0 <= wanted } ?? affordable.first)?.1
    }

    /// The box of the area's dots plus 1 mm on every side (mm).
    static func meshBox(_ area: [(x: Double, y: Double)]) -> (low: (x: Double, y: Double), high: (x: Double, y: Double))
    {
        (
            (area.map(\.x).min()! - 1, area.map(\.y).min()! - 1),
            (area.map(\.x).max()! + 1, area.map(\.y).max()! + 1)
        )
    }

    struct MeshPass {
        var heights: [Int32]
        /// Every touch-off that found the skin: nodes, held-out and repeat points.
        var touches: [Touch]
        var map: SurfaceMap
        var residualMM: Double
        var repeatabilityMM: Double
        var seconds: Double
        var touchOffs: Int
    }

    /// One probing session: every node of `grid`, then (with `checks`) held-out points at cell centres and three
    /// nodes again.
    static func meshPass<Transport: ControllerTransport>(
        _ grid: SurfaceGrid, checks withChecks: Bool, request: CalibrationRequest, transport: Transport
    ) throws(CalibrationError) -> MeshPass {
        let held = withChecks ? heldOutPoints(grid) : []
        let repeats = withChecks ? repeatNodes(grid) : []
        let checks = (held + repeats.map(\.position)).map {
            SessionController.CheckPoint(xMicrometres: $0.x, yMicrometres: $0.y)
        }
        let pass = try session(dots: [], grid: grid, checks: checks, request: request, transport: transport)
        let map = pass.controller.surface
        guard map.heights.allSatisfy({ $0 != nil }) else {
            throw CalibrationError(.measurement, "probing: not every node of the mesh found the skin")
        }
        let nodeHeights = map.heights.map { $0! }
        try checkSurface(nodeHeights, grid: grid, board: request.board)
        let checkResults = Array(pass.controller.touchOffs.suffix(checks.count))
        var residual = 0.0
        for (point, result) in zip(held, checkResults.prefix(held.count)) {
            guard result.outcome == .contact, let mapped = map.height(x: Double(point.x), y: Double(point.y)) else {
                throw CalibrationError(.measurement, "probing: no skin at held-out point \(point) um")
            }
            residual = max(residual, abs(Double(-result.contactZMicrometres - mapped)) / 1000)
        }
        var repeatability = 0.0
        for (node, result) in zip(repeats, checkResults.suffix(repeats.count)) where result.outcome == .contact {
            repeatability = max(
                repeatability, abs(Double(-result.contactZMicrometres - nodeHeights[node.index])) / 1000)
        }
        let touches = pass.controller.touchOffs.filter { $0.outcome == .contact }.map {
            Touch(x: $0.xMicrometres, y: $0.yMicrometres, height: -$0.contactZMicrometres)
        }
        return MeshPass(
            heights: nodeHeights, touches: touches, map: map, residualMM: residual, repeatabilityMM: repeatability,
            seconds: pass.seconds, touchOffs: pass.controller.touchOffs.count)
    }

    /// Largest |touch-off - map| (mm) of `pass`'s map at the earlier touch-offs it covers that are not its nodes.
    static func heldOutResidual(of pass: MeshPass, grid: SurfaceGrid, at earlier: [Touch]) throws(CalibrationError)
        -> Double
    {
        let spacing = Double(grid.spacingMicrometres)
        var residual = 0.0
        var count = 0
        for touch in earlier {
            let u = (Double(touch.x) - Double(grid.originXMicrometres)) / spacing
            let v = (Double(touch.y) - Double(grid.originYMicrometres)) / spacing
            let offNode = ((u - u.rounded()) * spacing, (v - v.rounded()) * spacing)
            guard max(abs(offNode.0), abs(offNode.1)) > heldOutClearanceMicrometres,
                let mapped = pass.map.height(x: Double(touch.x), y: Double(touch.y))
            else { continue }
            count += 1
            residual = max(residual, abs(Double(touch.height - mapped)) / 1000)
        }
        guard count > 0 else {
            throw CalibrationError(.measurement, "probing: no earlier touch-off is held out from the finer mesh")
        }
        return residual
    }

    /// At least 5 x 5 nodes over the area's box (plus 1 mm), inside the travel; `spacing` apart (mm, at least 1),
    /// by default a quarter of the box's longer side and at most 10 mm.
    static func meshGrid(
        over area: [(x: Double, y: Double)], board: BoardDefinition, spacing requested: Double? = nil
    ) throws(CalibrationError) -> SurfaceGrid {
        let (low, high) = meshBox(area)
        let span = max(high.x - low.x, high.y - low.y, 4)
        var spacing = requested ?? min(10.0, span / 4)
        // Rounded up to the µm: rounded down, the box would need a part cell more, a row of nodes spent on 1 µm.
        spacing = max(1, (spacing * 1000).rounded(.up) / 1000)
        let nx = Int(((high.x - low.x) / spacing).rounded(.up)) + 1
        let ny = Int(((high.y - low.y) / spacing).rounded(.up)) + 1
        let cx = max(5, nx)
        let cy = max(5, ny)
        let originX = max(0, min(low.x, board.axes.x.travelMM - Double(cx - 1) * spacing))
        let originY = max(0, min(low.y, board.axes.y.travelMM - Double(cy - 1) * spacing))
        guard cx <= 32, cy <= 32, cx * cy <= board.surfaceMaxNodes, originX >= 0, originY >= 0,
            originX + Double(cx - 1) * spacing <= board.axes.x.travelMM,
            originY + Double(cy - 1) * spacing <= board.axes.y.travelMM
        else {
            throw CalibrationError(.badInput, "the plan's area needs a \(cx) x \(cy) mesh; the board takes 32 x 32")
        }
        return SurfaceGrid(
            originXMicrometres: Int32((originX * 1000).rounded()),
            originYMicrometres: Int32((originY * 1000).rounded()),
            spacingMicrometres: UInt32((spacing * 1000).rounded()), nx: UInt8(cx), ny: UInt8(cy))
    }

    /// Up to 8 cell centres spread over the grid: where the Catmull-Rom map is farthest from any node.
    static func heldOutPoints(_ grid: SurfaceGrid) -> [(x: Int32, y: Int32)] {
        let cells = (Int(grid.nx) - 1) * (Int(grid.ny) - 1)
        let stride = max(1, cells / 8)
        return Swift.stride(from: stride / 2, to: cells, by: stride).prefix(8).map { cell in
            let ix = cell % (Int(grid.nx) - 1)
            let iy = cell / (Int(grid.nx) - 1)
            let h = Int32(grid.spacingMicrometres)
            return (grid.originXMicrometres + Int32(ix) * h + h / 2, grid.originYMicrometres + Int32(iy) * h + h / 2)
        }
    }

    /// Three nodes touched off again (first, middle, last) for the repeatability.
    static func repeatNodes(_ grid: SurfaceGrid) -> [(index: Int, position: (x: Int32, y: Int32))] {
        let count = Int(grid.nx) * Int(grid.ny)
        return [0, count / 2, count - 1].map { index in
            let p = grid.position(ofNode: index)
            return (index, (Int32(p.x), Int32(p.y)))
        }
    }

    static func checkSurface(_ heights: [Int32], grid: SurfaceGrid, board: BoardDefinition) throws(CalibrationError) {
        let nx = Int(grid.nx)
        let h = Double(grid.spacingMicrometres)
        let top = (board.hangCeilingMM - board.axes.z.travelMM) * 1000
        for (index, height) in heights.enumerated() {
            let axisZ = -Double(height)
            guard axisZ > top + 500, axisZ < board.hangCeilingMM * 1000 else {
                throw CalibrationError(
                    .measurement,
                    "probing: the skin at node \(index + 1) is at Z \(axisZ / 1000) mm, outside the Z travel")
            }
            let ix = index % nx
            if ix + 1 < nx, abs(Double(heights[index + 1] - height)) / h > maximumSlope {
                throw CalibrationError(
                    .measurement, "probing: implausible slope between nodes \(index + 1) and \(index + 2)")
            }
            if index + nx < heights.count, abs(Double(heights[index + nx] - height)) / h > maximumSlope {
                throw CalibrationError(
                    .measurement, "probing: implausible slope between nodes \(index + 1) and \(index + nx + 1)")
            }
        }
    }
}
