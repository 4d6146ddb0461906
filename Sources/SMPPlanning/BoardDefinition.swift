import Foundation

/// The limits of a driver board that planning needs: travel, XY and Z kinematics, hang ceiling, strokes.
public struct BoardDefinition: Sendable, Equatable {
    public struct Axis: Sendable, Equatable {
        public var travelMM: Double
        public var maxSpeedMMPerS: Double
        public var maxAccelMMPerS2: Double

        public init(travelMM: Double, maxSpeedMMPerS: Double, maxAccelMMPerS2: Double) {
            self.travelMM = travelMM
            self.maxSpeedMMPerS = maxSpeedMMPerS
            self.maxAccelMMPerS2 = maxAccelMMPerS2
        }
    }

    public var model: String
    public var x: Axis
    public var y: Axis
    public var z: Axis
    public var hangCeilingMM: Double
    public var retractClearanceMM: Double
    public var motorMinHz: Double
    public var motorMaxHz: Double
    public var maxStrokesPerDot: Int

    /// The reference board, mirroring Hardware/smp-driver-r1/board.json (a test checks that they agree), so
    /// that `smpctl plan` works from any directory without finding the repository.
    public static let r1 = BoardDefinition(
        model: "smp-driver-r1",
        x: Axis(travelMM: 200, maxSpeedMMPerS: 100, maxAccelMMPerS2: 3000),
        y: Axis(travelMM: 200, maxSpeedMMPerS: 100, maxAccelMMPerS2: 3000),
        z: Axis(travelMM: 10, maxSpeedMMPerS: 50, maxAccelMMPerS2: 5000),
        hangCeilingMM: 2.0, retractClearanceMM: 2.0, motorMinHz: 50, motorMaxHz: 150, maxStrokesPerDot: 12)

    /// Reads a `smpctl-board/1` file; errors name the file and the JSON path.
    public static func load(contentsOf url: URL, displayName: String? = nil) throws -> BoardDefinition {
        let name = displayName ?? url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw PlanError(
                file: name, location: "", reason: "cannot read the board file (\(error.localizedDescription))")
        }
        return try parse(data, file: name)
    }

    static func parse(_ data: Data, file: String) throws -> BoardDefinition {
        guard data.count <= 1 << 20 else { throw PlanError(file: file, location: "", reason: "board file over 1 MiB") }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw PlanError(file: file, location: "", reason: "not valid JSON (\(error.localizedDescription))")
        }
        let root = JSONNode(value: value, path: "", file: file)
        guard case .object(let members) = value else { throw root.fail("expected a board object") }
        func node(_ path: [String]) throws -> JSONNode {
            var current = JSONNode(value: .object(members), path: "", file: file)
            for key in path {
                guard case .object(let m) = current.value, let next = m[key] else {
                    throw PlanError(file: file, location: current.child(key), reason: "missing; expected a number")
                }
                current = JSONNode(value: next, path: current.child(key), file: file)
            }
            return current
        }
        let format = try node(["format"]).string()
        guard format == "smpctl-board/1" else {
            throw PlanError(file: file, location: "format", reason: "expected \"smpctl-board/1\", found \"\(format)\"")
        }
        func axis(_ name: String) throws -> Axis {
            Axis(
                travelMM: try node(["axes", name, "travel_mm"]).number(in: 0.001...10_000),
                maxSpeedMMPerS: try node(["axes", name, "max_speed_mm_s"]).number(in: 0.001...100_000),
                maxAccelMMPerS2: try node(["axes", name, "max_accel_mm_s2"]).number(in: 0.001...10_000_000))
        }
        return BoardDefinition(
            model: try node(["model"]).string(), x: try axis("x"), y: try axis("y"), z: try axis("z"),
            hangCeilingMM: try node(["hang_ceiling_mm"]).number(in: 0...10),
            retractClearanceMM: try node(["retract_clearance_mm"]).number(in: 0...100),
            motorMinHz: try node(["motor", "min_hz"]).number(in: 0...10_000),
            motorMaxHz: try node(["motor", "max_hz"]).number(in: 0...10_000),
            maxStrokesPerDot: try node(["max_strokes_per_dot"]).integer(in: 1...1000))
    }
}
