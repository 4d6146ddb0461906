import Logging
import SMPControl
import SMPHardware
import SMPMotion
import SMPPlanning
import SMPWire

extension Calibrator {
    // MARK: The mesh

    /// At least 5 x 5 nodes over the area's box (plus 1 mm), at most 10 mm apart, inside the travel.
    static func meshGrid(over area: [(x: Double, y: Double)], board: BoardDefinition) throws(CalibrationError)
        -> SurfaceGrid
    {
        let low = (x: area.map(\.x).min()! - 1, y: area.map(\.y).min()! - 1)
        let high = (x: area.map(\.x).max()! + 1, y: area.map(\.y).max()! + 1)
        let span = max(high.x - low.x, high.y - low.y, 4)
        var spacing = min(10.0, span / 4)
        spacing = max(1, (spacing * 1000).rounded(.down) / 1000)
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
