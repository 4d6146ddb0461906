/// One region's density integral (all sessions, dots) over square tiles of the ownership raster, kept per raster
/// column within each row of tiles, over the region's box only.
///
/// Tiles are about `side` raster cells a side: their rows are aligned with the raster's origin (not with the
/// region), their columns are cut per strip (`StripTiles`). Elimination holds every tile to its share of the
/// layer's dots: a Poisson-disk pattern grown by Bridson's algorithm packs better in some places than in others,
/// so without a share per tile the count in a window of a few centimetres scatters by ~0.6-0.8 % (number
/// variance ~6 % of the count, growing with the window's area), and a fixed total per strip only moves that
/// scatter between windows.
struct TileIntegrals: Sendable {
    /// Raster cells per tile side.
    let side: Int
    /// The raster columns covered: firstColumn..<firstColumn + columns.
    let firstColumn: Int
    let columns: Int
    /// The tile rows covered: firstTileRow..<firstTileRow + tileRows.
    let firstTileRow: Int
    let tileRows: Int
    /// values[(tileRow - firstTileRow) * columns + (column - firstColumn)].
    var values: [Double]

    /// Dots of the plain density a tile holds (at all sessions). Smaller tiles scatter less but bias the interior
    /// upwards: tiles along an edge grow short, and their neighbours inwards keep what they lack (24-48 dots:
    /// interior +0.2-0.34 %, Docs/Performance.md).
    static let dotsPerTile = 96.0

    /// Tiles for a region of plain density `density` (dots per mm^2) within raster cells `columns` x `rows`.
    init(density: Double, cell: Double, columns: Range<Int>, rows: Range<Int>) {
        let sideMM = (TileIntegrals.dotsPerTile / max(density, 1e-9)).squareRoot()
        side = max(1, Int((sideMM / cell).rounded()))
        firstColumn = columns.lowerBound
        self.columns = max(0, columns.count)
        firstTileRow = rows.isEmpty ? 0 : rows.lowerBound / side
        tileRows = rows.isEmpty ? 0 : (rows.upperBound - 1) / side - firstTileRow + 1
        values = []
    }

}

/// The tiles of one strip (its raster columns, cut at the tile columns) and what elimination holds each to.
struct StripTiles: Sendable {
    let origin: Point
    let cell: Double
    let side: Int
    /// The raster columns whose centres lie in the strip's grid columns: firstRasterColumn..<endRasterColumn.
    let firstRasterColumn: Int
    let endRasterColumn: Int
    let tileColumns: Int
    let firstTileRow: Int
    let tileRows: Int
    /// Dots each tile should hold after this layer (earlier layers' included).
    var quota: [Int]
    /// Dots of earlier layers in each tile.
    var existing: [Int]

    /// No tiles: the strip owns no columns of the region.
    var isEmpty: Bool { quota.isEmpty }

    init(integrals: TileIntegrals, rasterColumns: Range<Int>, origin: Point, cell: Double) {
        self.origin = origin
        self.cell = cell
        side = integrals.side
        let low = max(rasterColumns.lowerBound, integrals.firstColumn)
        let high = min(rasterColumns.upperBound, integrals.firstColumn + integrals.columns)
        firstRasterColumn = low
        endRasterColumn = max(low, high)
        // The strip's columns in equal tile columns about `side` wide: no sliver of a tile at a seam.
        tileColumns = high > low ? max(1, Int((Double(high - low) / Double(side)).rounded())) : 0
        firstTileRow = integrals.firstTileRow
        tileRows = tileColumns > 0 ? integrals.tileRows : 0
        quota = [Int](repeating: 0, count: tileRows * tileColumns)
        existing = quota
    }

    /// The tile of a point (clamped into the strip's columns: a dot just past its strip's first or last raster
    /// column belongs to the nearest tile), or nil for a point outside the tile rows.
    @inline(__always)
    func tile(at p: Point) -> Int? {
        guard !quota.isEmpty else { return nil }
        let column = min(max(Int(((p.x - origin.x) / cell).rounded(.down)), firstRasterColumn), endRasterColumn - 1)
        let row = Int(((p.y - origin.y) / cell).rounded(.down)) / side - firstTileRow
        guard row >= 0, row < tileRows else { return nil }
        return row * tileColumns + tileColumn(column)
    }

    @inline(__always)
    func tileColumn(_ column: Int) -> Int {
        (column - firstRasterColumn) * tileColumns / (endRasterColumn - firstRasterColumn)
    }

    /// The integral of each tile, in tile order.
    func integrals(of region: TileIntegrals) -> [Double] {
        var sums = [Double](repeating: 0, count: quota.count)
        for row in 0..<tileRows {
            let base = row * region.columns
            for column in firstRasterColumn..<endRasterColumn {
                sums[row * tileColumns + tileColumn(column)] +=
                    region.values[base + column - region.firstColumn]
            }
        }
        return sums
    }
}
