import Foundation

/// A 2-D affine map (SVG's matrix(a b c d e f)): x' = a x + c y + e, y' = b x + d y + f.
public struct AffineTransform: Sendable, Equatable {
    public var a, b, c, d, e, f: Double

    public init(a: Double, b: Double, c: Double, d: Double, e: Double, f: Double) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.e = e
        self.f = f
    }

    public static let identity = AffineTransform(a: 1, b: 0, c: 0, d: 1, e: 0, f: 0)

    public static func translation(_ x: Double, _ y: Double) -> AffineTransform {
        AffineTransform(a: 1, b: 0, c: 0, d: 1, e: x, f: y)
    }

    public static func scale(_ x: Double, _ y: Double) -> AffineTransform {
        AffineTransform(a: x, b: 0, c: 0, d: y, e: 0, f: 0)
    }

    /// self after other: applies `other` first, then `self`.
    public func concatenating(_ other: AffineTransform) -> AffineTransform {
        AffineTransform(
            a: a * other.a + c * other.b, b: b * other.a + d * other.b,
            c: a * other.c + c * other.d, d: b * other.c + d * other.d,
            e: a * other.e + c * other.f + e, f: b * other.e + d * other.f + f)
    }

    @inline(__always)
    public func apply(_ p: Point) -> Point { Point(a * p.x + c * p.y + e, b * p.x + d * p.y + f) }

    /// The largest factor by which the map stretches a length (bounded by the larger column norm times sqrt 2),
    /// used to flatten curves finely enough in user units.
    public var maxStretch: Double {
        max((a * a + b * b).squareRoot(), (c * c + d * d).squareRoot()) * 2.0.squareRoot()
    }

    /// Parses an SVG `transform` attribute: matrix, translate, scale, rotate, skewX, skewY, applied left to right.
    static func parse(_ text: String) -> AffineTransform? {
        var result = AffineTransform.identity
        var rest = Substring(text)
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            if rest.isEmpty { return result }
            guard let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")"), open < close else {
                return nil
            }
            let name = rest[rest.startIndex..<open].trimmingCharacters(in: .whitespaces)
            let argsText = rest[rest.index(after: open)..<close]
            let args = argsText.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" })
                .compactMap { Double($0) }
            guard args.allSatisfy({ $0.isFinite && abs($0) <= 1e6 }) else { return nil }
            let t: AffineTransform
            switch (name, args.count) {
            case ("matrix", 6):
                t = AffineTransform(a: args[0], b: args[1], c: args[2], d: args[3], e: args[4], f: args[5])
            case ("translate", 1): t = .translation(args[0], 0)
            case ("translate", 2): t = .translation(args[0], args[1])
            case ("scale", 1): t = .scale(args[0], args[0])
            case ("scale", 2): t = .scale(args[0], args[1])
            case ("rotate", 1), ("rotate", 3):
                let angle = args[0] * Double.pi / 180
                let r = AffineTransform(a: cos(angle), b: sin(angle), c: -sin(angle), d: cos(angle), e: 0, f: 0)
                if args.count == 3 {
                    t = AffineTransform.translation(args[1], args[2]).concatenating(r).concatenating(
                        .translation(-args[1], -args[2]))
                } else {
                    t = r
                }
            case ("skewX", 1): t = AffineTransform(a: 1, b: 0, c: tan(args[0] * Double.pi / 180), d: 1, e: 0, f: 0)
            case ("skewY", 1): t = AffineTransform(a: 1, b: tan(args[0] * Double.pi / 180), c: 0, d: 1, e: 0, f: 0)
            default: return nil
            }
            result = result.concatenating(t)
            rest = rest[rest.index(after: close)...]
        }
    }
}
