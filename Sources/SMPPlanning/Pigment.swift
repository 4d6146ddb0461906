import Foundation

/// A colour in CIELAB (D65 white, L* 0-100).
public struct LabColour: Sendable, Equatable, Encodable {
    public var l: Double
    public var a: Double
    public var b: Double

    public init(_ l: Double, _ a: Double, _ b: Double) {
        self.l = l
        self.a = a
        self.b = b
    }

    /// CIE76 colour difference.
    public func difference(to other: LabColour) -> Double {
        let dl = l - other.l
        let da = a - other.a
        let db = b - other.b
        return (dl * dl + da * da + db * db).squareRoot()
    }

    public var chroma: Double { (a * a + b * b).squareRoot() }
    /// Hue angle in degrees, 0 ..< 360.
    public var hueDegrees: Double {
        let h = atan2(b, a) * 180 / Double.pi
        return h < 0 ? h + 360 : h
    }

    static let white = (x: 0.950_47, y: 1.0, z: 1.088_83)

    /// From linear-light sRGB (0-1 per channel).
    static func fromLinear(_ r: Double, _ g: Double, _ b: Double) -> LabColour {
        let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / white.x
        let y = (0.212_672_9 * r + 0.715_152_2 * g + 0.072_175_0 * b) / white.y
        let z = (0.019_333_9 * r + 0.119_192_0 * g + 0.950_304_1 * b) / white.z
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116 }
        let (fx, fy, fz) = (f(x), f(y), f(z))
        return LabColour(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// To linear-light sRGB (may leave 0-1 for colours outside the sRGB gamut).
    var linear: (r: Double, g: Double, b: Double) {
        let fy = (l + 16) / 116
        let fx = fy + a / 500
        let fz = fy - b / 200
        func inverse(_ t: Double) -> Double { t * t * t > 216.0 / 24389 ? t * t * t : (116 * t - 16) * 27 / 24389 }
        let x = inverse(fx) * LabColour.white.x
        let y = inverse(fy) * LabColour.white.y
        let z = inverse(fz) * LabColour.white.z
        return (
            3.240_454_2 * x - 1.537_138_5 * y - 0.498_531_4 * z,
            -0.969_266_0 * x + 1.876_010_8 * y + 0.041_556_0 * z,
            0.055_643_4 * x - 0.204_025_9 * y + 1.057_225_2 * z
        )
    }

    /// From 8-bit sRGB (gamma-encoded).
    public static func fromSRGB(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> LabColour {
        func decode(_ v: UInt8) -> Double {
            let c = Double(v) / 255
            return c <= 0.040_45 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return fromLinear(decode(r), decode(g), decode(b))
    }

    /// 8-bit sRGB hex (`#rrggbb`), clipped to the gamut.
    public var hex: String {
        let (r, g, b) = linear
        func encode(_ c: Double) -> Int {
            let v = max(0, min(1, c))
            let e = v <= 0.003_130_8 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055
            return Int((e * 255).rounded())
        }
        return "#" + [r, g, b].map { String(format: "%02x", encode($0)) }.joined()
    }

    /// Parses `#rrggbb` / `rrggbb` (sRGB) or `lab:L,a,b` / `lab(L, a, b)` (CIELAB); nil if it is neither.
    public static func parse(_ text: String) -> LabColour? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.hasPrefix("lab") {
            var body = t.dropFirst(3)
            if body.hasPrefix(":") {
                body = body.dropFirst()
            } else if body.hasPrefix("("), body.hasSuffix(")") {
                body = body.dropFirst().dropLast()
            } else {
                return nil
            }
            let parts = body.split(separator: ",", omittingEmptySubsequences: false).map {
                Double($0.trimmingCharacters(in: .whitespaces))
            }
            guard parts.count == 3, let l = parts[0], let a = parts[1], let b = parts[2], (0...100).contains(l),
                (-128...128).contains(a), (-128...128).contains(b)
            else { return nil }
            return LabColour(l, a, b)
        }
        let digits = t.hasPrefix("#") ? String(t.dropFirst()) : t
        guard digits.count == 6, digits.allSatisfy(\.isHexDigit), let value = UInt32(digits, radix: 16) else {
            return nil
        }
        return fromSRGB(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
    }
}

/// One pigment of the catalogue: its colour (undiluted), where that colour comes from, and the dilutions it is
/// mixed at (share of pigment concentrate in the mix, 1 = neat).
public struct Pigment: Sendable, Equatable {
    public enum ColourSource: String, Sendable {
        /// An engineering estimate, not a reading.
        case estimate
        /// A reading someone else published (`citation` says where, `conditions` how it was taken).
        case published
        /// A spectrophotometer reading of this ink (`instrument`, `date` and `conditions` say which).
        case measured
    }

    public var name: String
    public var summary: String
    /// Pure carbon black: can heal blue-green on darker skin [S: DOMAIN.md].
    public var isPureBlack: Bool
    public var colour: LabColour
    public var source: ColourSource
    public var provenance: String
    /// Where a published colour was published (nil for estimates and unpublished readings).
    public var citation: String?
    /// How the colour was read: the sample (masstone, drawdown, tint), illuminant and observer, as far as known.
    public var conditions: String?
    public var dilutions: [Double]
}

/// A pigment and dilution, as a plan names it for a region and session.
public struct PigmentChoice: Sendable, Equatable, Hashable {
    public var name: String
    public var dilution: Double

    public init(name: String, dilution: Double) {
        self.name = name
        self.dilution = dilution
    }

    /// `name@0.50`: one word for grouping and messages.
    public var label: String { "\(name)@\(DotsDocument.fixed(dilution, 2))" }
}

/// The pigments smpctl plans with (`smpctl-pigments/1`, Hardware/pigments/catalogue.json).
public struct PigmentCatalogue: Sendable {
    public static let format = "smpctl-pigments/1"
    public var pigments: [Pigment]

    public func pigment(named name: String) -> Pigment? { pigments.first { $0.name == name } }

    /// The catalogue shipped in Hardware/pigments/catalogue.json (a test keeps the two the same).
    public static let builtIn: PigmentCatalogue = {
        do {
            return try parse(Data(builtInText.utf8), file: "Hardware/pigments/catalogue.json")
        } catch {
            preconditionFailure("the built-in pigment catalogue does not parse: \(error)")
        }
    }()

    public static func load(contentsOf url: URL, displayName: String) throws -> PigmentCatalogue {
        try parse(PlanLoader.readFile(url, name: displayName, limit: 1 << 20), file: displayName)
    }

    public static func parse(_ data: Data, file: String) throws -> PigmentCatalogue {
        let top = try JSONNode.document(data, file: file).object(allowed: [
            "format", "description", "pigments",
        ])
        guard let formatNode = top["format"] else {
            throw PlanError(file: file, location: "format", reason: "missing; expected \"\(format)\"")
        }
        guard try formatNode.string() == format else { throw formatNode.fail("expected \"\(format)\"") }
        if let d = top["description"] { _ = try d.string() }
        guard let list = top["pigments"] else {
            throw PlanError(file: file, location: "pigments", reason: "missing; expected an array of pigments")
        }
        var pigments: [Pigment] = []
        for node in try list.array(minCount: 1, maxCount: 1000) {
            let o = try node.object(allowed: ["name", "summary", "pure_black", "colour", "dilutions"])
            guard let nameNode = o["name"] else { throw node.fail("missing \"name\"") }
            let name = try nameNode.string()
            guard !name.isEmpty, !pigments.contains(where: { $0.name == name }) else {
                throw nameNode.fail("expected a unique, non-empty pigment name")
            }
            var pureBlack = false
            if let p = o["pure_black"] {
                guard case .bool(let b) = p.value else { throw p.fail("expected true or false") }
                pureBlack = b
            }
            guard let colourNode = o["colour"] else { throw node.fail("missing \"colour\"") }
            let c = try colourNode.object(allowed: [
                "lab", "source", "provenance", "citation", "conditions", "instrument", "date",
            ])
            guard let labNode = c["lab"] else { throw colourNode.fail("missing \"lab\"; expected [L, a, b]") }
            let lab = try labNode.array(minCount: 3, maxCount: 3)
            let colour = LabColour(
                try lab[0].number(in: 0...100, what: "L*"), try lab[1].number(in: -128...128, what: "a*"),
                try lab[2].number(in: -128...128, what: "b*"))
            guard let sourceNode = c["source"], let source = Pigment.ColourSource(rawValue: try sourceNode.string())
            else { throw colourNode.fail("expected \"source\": \"estimate\", \"published\" or \"measured\"") }
            guard let provenanceNode = c["provenance"], !(try provenanceNode.string()).isEmpty else {
                throw colourNode.fail("missing \"provenance\"; expected where the colour comes from")
            }
            let required: [String] =
                switch source {
                case .estimate: []
                case .published: ["citation", "conditions"]
                case .measured: ["instrument", "date", "conditions"]
                }
            for key in required {
                guard let node = c[key], !(try node.string()).isEmpty else {
                    throw colourNode.fail("a \(source.rawValue) colour needs \"\(key)\"")
                }
            }
            for key in ["citation", "conditions", "instrument", "date"] { _ = try c[key]?.string() }
            guard let dilutionsNode = o["dilutions"] else { throw node.fail("missing \"dilutions\"") }
            let dilutions = try dilutionsNode.array(minCount: 1, maxCount: 20).map {
                try $0.number(in: 0.05...1, what: "a dilution (share of pigment, 0.05-1)")
            }
            pigments.append(
                Pigment(
                    name: name, summary: try o["summary"]?.string() ?? "", isPureBlack: pureBlack, colour: colour,
                    source: source, provenance: try provenanceNode.string(), citation: try c["citation"]?.string(),
                    conditions: try c["conditions"]?.string(), dilutions: dilutions))
        }
        return PigmentCatalogue(pigments: pigments)
    }

    /// The text of Hardware/pigments/catalogue.json.
    static let builtInText = #"""
        {
          "format": "smpctl-pigments/1",
          "description": "Scalp-micropigmentation pigments smpctl can plan with. Each colour is CIELAB of the undiluted pigment's masstone (an opaque film; smpctl's colour model takes it as D65). Its source says what it is: an estimate, a published reading (with citation and conditions) or a reading of this ink (measured, with instrument, date and conditions). The published readings are of the pigments in artists' acrylic paint, not of SMP inks: read each ink in use with a spectrophotometer before clinical use.",
          "pigments": [
            {
              "name": "carbon-black",
              "summary": "neutral carbon black (Pigment Black 7, pure black)",
              "pure_black": true,
              "colour": {"lab": [10.23, -0.17, -0.31], "source": "published",
                         "provenance": "Pigment Black 7 as GOLDEN Heavy Body Acrylic Carbon Black: the pigment in an acrylic binder, not an SMP ink",
                         "citation": "Golden Artist Colors' Munsell and CIELAB values for GOLDEN Heavy Body Acrylics, Carbon Black, thick (10.23, -0.17, -0.31; thin film 25.77, 0.20, -0.17), as tabulated in github.com/MeepleCodes/colour-wheel goldenacrylic.csv (commit d5502bb)",
                         "conditions": "masstone: the table's Thick column (a thick film of the dried paint); illuminant, observer and specular setting are not stated in the table"},
              "dilutions": [1.0, 0.75, 0.5, 0.35, 0.25]
            },
            {
              "name": "warm-black",
              "summary": "carbon black warmed with black and red iron oxide",
              "pure_black": false,
              "colour": {"lab": [11.8, 0.4, 1.8], "source": "estimate",
                         "provenance": "engineering estimate [E]: no published reading of a carbon black and iron oxide blend was found; computed as a 50:30:20 mix by volume of the published masstones of carbon black PBk7 (10.23, -0.17, -0.31), black iron oxide PBk11 (GOLDEN Mars Black, 11.47, 0.70, 0.63) and red iron oxide PR101 (GOLDEN Red Oxide, 30.32, 33.51, 28.29), single-constant Kubelka-Munk per linear sRGB channel; not measured"},
              "dilutions": [1.0, 0.75, 0.5, 0.35, 0.25]
            },
            {
              "name": "dark-brown",
              "summary": "burnt umber (Pigment Brown 7, iron and manganese oxides) for brown hair",
              "pure_black": false,
              "colour": {"lab": [20.19, 5.26, 5.56], "source": "published",
                         "provenance": "Pigment Brown 7 as GOLDEN Heavy Body Acrylic Burnt Umber: the pigment in an acrylic binder, not an SMP ink",
                         "citation": "Golden Artist Colors' Munsell and CIELAB values for GOLDEN Heavy Body Acrylics, Burnt Umber, thick (20.19, 5.26, 5.56; thin film 28.57, 2.86, 4.06), as tabulated in github.com/MeepleCodes/colour-wheel goldenacrylic.csv (commit d5502bb)",
                         "conditions": "masstone: the table's Thick column (a thick film of the dried paint); illuminant, observer and specular setting are not stated in the table"},
              "dilutions": [1.0, 0.75, 0.5, 0.35]
            }
          ]
        }
        """#
}
