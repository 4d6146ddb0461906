import Foundation

/// Parses SVG path data (M L H V C S Q T A Z, absolute and relative) into polylines, flattening curves so that
/// no point of the true curve is farther than the tolerance from the polyline.
public enum SVGPathParser {
    /// One subpath: its points (already transformed) and whether it was closed with Z.
    public struct Subpath: Sendable, Equatable {
        public var points: [Point]
        public var closed: Bool
    }

    public struct Failure: Error, Equatable {
        public var reason: String
    }

    /// Largest coordinate accepted (user units); bigger numbers are refused rather than overflowed.
    public static let maxMagnitude = 1e6
    /// Cap on points produced by one path, so a hostile file cannot exhaust memory through flattening: no more than
    /// a region may have (`PlanLoader.maxVerticesPerRegion`), since a path with more could not be used.
    public static let maxPoints = 100_000
    /// Cap on the path data length, characters.
    public static let maxLength = 4 << 20

    /// `toleranceMM` applies after `transform`; flattening is done in user units at tolerance / stretch.
    public static func parse(_ d: String, toleranceMM: Double, transform: AffineTransform) throws -> [Subpath] {
        guard d.utf8.count <= maxLength else { throw Failure(reason: "path data longer than \(maxLength) characters") }
        var scanner = Scanner(bytes: Array(d.utf8))
        let tolerance = max(toleranceMM / max(transform.maxStretch, 1e-12), 1e-9)
        var subpaths: [Subpath] = []
        var current: [Point] = []
        var pointCount = 0
        var pen = Point(0, 0)
        var start = Point(0, 0)
        var lastControl: Point?
        var lastCommand: UInt8 = 0

        func emit(_ p: Point) throws {
            pointCount += 1
            guard pointCount <= maxPoints else {
                throw Failure(reason: "path flattens to more than \(maxPoints) points")
            }
            // A drawing command after Z without a new M starts a new subpath at the old start point.
            if current.isEmpty && p != start { current.append(transform.apply(start)) }
            current.append(transform.apply(p))
        }
        /// The first control point of a smooth curve (S, T): the previous control point reflected about the pen when
        /// the previous command was of the same family, else the pen itself (SVG 1.1, path data, §8.3.6 and §8.3.7).
        func reflectedControl(after family: [UInt8]) -> Point {
            guard let previous = lastControl, family.contains(lastCommand | 0x20) else { return pen }
            return Point(2 * pen.x - previous.x, 2 * pen.y - previous.y)
        }
        func finish(closed: Bool) {
            if current.count > 0 { subpaths.append(Subpath(points: current, closed: closed)) }
            current = []
        }

        var command: UInt8 = 0
        while true {
            scanner.skipSeparators()
            guard let byte = scanner.peek() else { break }
            if Scanner.isCommand(byte) {
                command = byte
                scanner.advance()
            } else if command == 0 {
                throw Failure(
                    reason: "path data must start with a command (M or m), found '\(Character(UnicodeScalar(byte)))'")
            } else if command == UInt8(ascii: "z") || command == UInt8(ascii: "Z") {
                throw Failure(reason: "numbers after Z at offset \(scanner.offset); expected a command")
            }
            let relative = command >= UInt8(ascii: "a")
            func coordinate() throws -> Point {
                let x = try scanner.number()
                let y = try scanner.number()
                return relative ? Point(pen.x + x, pen.y + y) : Point(x, y)
            }
            switch command | 0x20 {  // lower-case
            case UInt8(ascii: "m"):
                finish(closed: false)
                pen = try coordinate()
                start = pen
                try emit(pen)
                // Further pairs after M are implicit L (or l).
                command = relative ? UInt8(ascii: "l") : UInt8(ascii: "L")
                lastControl = nil
            case UInt8(ascii: "l"):
                pen = try coordinate()
                try emit(pen)
                lastControl = nil
            case UInt8(ascii: "h"):
                let x = try scanner.number()
                pen = Point(relative ? pen.x + x : x, pen.y)
                try emit(pen)
                lastControl = nil
            case UInt8(ascii: "v"):
                let y = try scanner.number()
                pen = Point(pen.x, relative ? pen.y + y : y)
                try emit(pen)
                lastControl = nil
            case UInt8(ascii: "c"), UInt8(ascii: "s"):
                let isSmooth = (command | 0x20) == UInt8(ascii: "s")
                let c1 = isSmooth ? reflectedControl(after: [UInt8(ascii: "c"), UInt8(ascii: "s")]) : try coordinate()
                let c2 = try coordinate()
                let end = try coordinate()
                try flattenCubic(pen, c1, c2, end, tolerance: tolerance, emit: emit)
                lastControl = c2
                pen = end
            case UInt8(ascii: "q"), UInt8(ascii: "t"):
                let isSmooth = (command | 0x20) == UInt8(ascii: "t")
                let c = isSmooth ? reflectedControl(after: [UInt8(ascii: "q"), UInt8(ascii: "t")]) : try coordinate()
                let end = try coordinate()
                try flattenQuadratic(pen, c, end, tolerance: tolerance, emit: emit)
                lastControl = c
                pen = end
            case UInt8(ascii: "a"):
                let rx = abs(try scanner.number())
                let ry = abs(try scanner.number())
                let rotation = try scanner.number()
                let largeArc = try scanner.flag()
                let sweep = try scanner.flag()
                let end = try coordinate()
                try flattenArc(
                    from: pen, to: end, rx: rx, ry: ry, rotationDegrees: rotation, largeArc: largeArc, sweep: sweep,
                    tolerance: tolerance, emit: emit)
                pen = end
                lastControl = nil
            case UInt8(ascii: "z"):
                pen = start
                finish(closed: true)
                lastControl = nil
            default:
                throw Failure(reason: "unknown path command '\(Character(UnicodeScalar(command)))'")
            }
            lastCommand = command
        }
        if current.count > 1 { finish(closed: false) }
        return subpaths.filter { $0.points.count > 0 }
    }

    static func flattenCubic(
        _ p0: Point, _ p1: Point, _ p2: Point, _ p3: Point, tolerance: Double, emit: (Point) throws -> Void
    ) throws {
        // Flattening error <= max|B''| / (8 n^2), and |B''| <= 6 max(|p0 - 2p1 + p2|, |p1 - 2p2 + p3|).
        let m = max((p0 - p1 * 2 + p2).distance(to: Point(0, 0)), (p1 - p2 * 2 + p3).distance(to: Point(0, 0)))
        let n = segmentCount(6 * m, tolerance)
        for i in 1...n {
            let t = Double(i) / Double(n)
            let u = 1 - t
            let p = p0 * (u * u * u) + p1 * (3 * u * u * t) + p2 * (3 * u * t * t) + p3 * (t * t * t)
            try emit(p)
        }
    }

    static func flattenQuadratic(_ p0: Point, _ p1: Point, _ p2: Point, tolerance: Double, emit: (Point) throws -> Void)
        throws
    {
        let m = (p0 - p1 * 2 + p2).distance(to: Point(0, 0))
        let n = segmentCount(2 * m, tolerance)
        for i in 1...n {
            let t = Double(i) / Double(n)
            let u = 1 - t
            try emit(p0 * (u * u) + p1 * (2 * u * t) + p2 * (t * t))
        }
    }

    static func segmentCount(_ secondDerivativeBound: Double, _ tolerance: Double) -> Int {
        let n = (secondDerivativeBound / (8 * tolerance)).squareRoot().rounded(.up)
        guard n.isFinite else { return 1 }
        return max(1, min(100_000, Int(n)))
    }

    /// Endpoint-parameterised elliptical arc (SVG 1.1, appendix F.6.5), flattened by angle steps.
    static func flattenArc(
        from p0: Point, to p1: Point, rx rxIn: Double, ry ryIn: Double, rotationDegrees: Double, largeArc: Bool,
        sweep: Bool, tolerance: Double, emit: (Point) throws -> Void
    ) throws {
        if p0 == p1 { return }
        var rx = rxIn
        var ry = ryIn
        if rx == 0 || ry == 0 {
            try emit(p1)
            return
        }
        let phi = rotationDegrees * Double.pi / 180
        let cosPhi = cos(phi)
        let sinPhi = sin(phi)
        let dx = (p0.x - p1.x) / 2
        let dy = (p0.y - p1.y) / 2
        let x1 = cosPhi * dx + sinPhi * dy
        let y1 = -sinPhi * dx + cosPhi * dy
        let lambda = (x1 * x1) / (rx * rx) + (y1 * y1) / (ry * ry)
        if lambda > 1 {
            rx *= lambda.squareRoot()
            ry *= lambda.squareRoot()
        }
        let numerator = rx * rx * ry * ry - rx * rx * y1 * y1 - ry * ry * x1 * x1
        let denominator = rx * rx * y1 * y1 + ry * ry * x1 * x1
        var coefficient = denominator > 0 ? (max(0, numerator) / denominator).squareRoot() : 0
        if largeArc == sweep { coefficient = -coefficient }
        let cxp = coefficient * rx * y1 / ry
        let cyp = -coefficient * ry * x1 / rx
        let cx = cosPhi * cxp - sinPhi * cyp + (p0.x + p1.x) / 2
        let cy = sinPhi * cxp + cosPhi * cyp + (p0.y + p1.y) / 2
        let theta1 = atan2((y1 - cyp) / ry, (x1 - cxp) / rx)
        var delta = atan2((-y1 - cyp) / ry, (-x1 - cxp) / rx) - theta1
        if sweep && delta < 0 { delta += 2 * Double.pi }
        if !sweep && delta > 0 { delta -= 2 * Double.pi }
        // Chord error r (1 - cos(step / 2)) <= tolerance.
        let r = max(rx, ry)
        let ratio = min(1, max(-1, 1 - tolerance / r))
        let step = max(2 * acos(ratio), 1e-4)
        let n = max(1, min(100_000, Int((abs(delta) / step).rounded(.up))))
        for i in 1...n {
            if i == n {
                try emit(p1)
                break
            }
            let angle = theta1 + delta * Double(i) / Double(n)
            let ex = rx * cos(angle)
            let ey = ry * sin(angle)
            try emit(Point(cosPhi * ex - sinPhi * ey + cx, sinPhi * ex + cosPhi * ey + cy))
        }
    }

    /// Byte scanner for path data numbers and flags.
    struct Scanner {
        let bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
        mutating func advance() { offset += 1 }

        static func isCommand(_ b: UInt8) -> Bool {
            switch b | 0x20 {
            case UInt8(ascii: "m"), UInt8(ascii: "l"), UInt8(ascii: "h"), UInt8(ascii: "v"), UInt8(ascii: "c"),
                UInt8(ascii: "s"), UInt8(ascii: "q"), UInt8(ascii: "t"), UInt8(ascii: "a"), UInt8(ascii: "z"):
                return b != UInt8(ascii: "e") && b != UInt8(ascii: "E")
            default: return false
            }
        }

        mutating func skipSeparators() {
            while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ",") {
                offset += 1
            }
        }

        mutating func flag() throws -> Bool {
            skipSeparators()
            guard let b = peek(), b == UInt8(ascii: "0") || b == UInt8(ascii: "1") else {
                throw Failure(reason: "expected an arc flag 0 or 1 at offset \(offset)")
            }
            offset += 1
            return b == UInt8(ascii: "1")
        }

        mutating func number() throws -> Double {
            skipSeparators()
            let begin = offset
            if let b = peek(), b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { offset += 1 }
            var digits = 0
            while let b = peek(), b >= 0x30 && b <= 0x39 {
                offset += 1
                digits += 1
            }
            if peek() == UInt8(ascii: ".") {
                offset += 1
                while let b = peek(), b >= 0x30 && b <= 0x39 {
                    offset += 1
                    digits += 1
                }
            }
            guard digits > 0, digits <= 40 else {
                throw Failure(reason: "expected a number at offset \(begin)")
            }
            if let b = peek(), b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                let mark = offset
                offset += 1
                if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { offset += 1 }
                var exponentDigits = 0
                while let d = peek(), d >= 0x30 && d <= 0x39 {
                    offset += 1
                    exponentDigits += 1
                }
                if exponentDigits == 0 { offset = mark }
                guard exponentDigits <= 3 else { throw Failure(reason: "number too large at offset \(begin)") }
            }
            let text = String(decoding: bytes[begin..<offset], as: UTF8.self)
            guard let value = Double(text), value.isFinite, abs(value) <= SVGPathParser.maxMagnitude else {
                throw Failure(
                    reason:
                        "number \"\(text.prefix(40))\" at offset \(begin); expected a finite number of magnitude at most 1e6"
                )
            }
            return value
        }
    }
}
