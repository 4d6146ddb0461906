import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Shapes read from an SVG drawn in Inkscape or similar, in board millimetres.
///
/// Elements are found by `id` or by Inkscape label (`inkscape:label`). Units: the root's `width`/`height` with a
/// unit (mm, cm, in, pt, pc, px) and its `viewBox` fix the scale from user units to mm; without them a user unit
/// is a CSS pixel (25.4/96 mm). `transform` attributes on groups and shapes are honoured. SVG's y axis points
/// down and so does the board's Y in plan coordinates: no flip.
///
/// Hostile input is refused before parsing: any DOCTYPE or ENTITY declaration (the safe way to rule out entity
/// expansion and external entities), files over `maxFileBytes`, more than `maxElements` elements, nesting deeper
/// than `maxDepth`, path data over `SVGPathParser.maxLength`, numbers beyond `SVGPathParser.maxMagnitude`.
public struct SVGDocument: Sendable {
    public static let maxFileBytes = 8 << 20
    public static let maxElements = 100_000
    public static let maxDepth = 64

    /// Flattened subpaths (mm) of every shape element that has an id or a label.
    public private(set) var shapes: [String: [SVGPathParser.Subpath]] = [:]
    public let file: String

    /// Parses SVG bytes; `toleranceMM` bounds the distance between a curve and its flattened polyline.
    public static func parse(_ data: Data, file: String, toleranceMM: Double) throws -> SVGDocument {
        guard data.count <= maxFileBytes else {
            throw PlanError(
                file: file, location: "", reason: "SVG is \(data.count) bytes; expected at most \(maxFileBytes)")
        }
        // FoundationXML traps on an element or attribute name that is not UTF-8 (found by SVGImportFuzz): refuse
        // such bytes first, naming where they are.
        if let offset = firstInvalidUTF8(data) {
            let (line, column) = JSONParser.lineAndColumn(of: offset, in: data)
            throw PlanError(
                file: file, location: "",
                reason:
                    "byte \(offset) is not UTF-8 (\(String(format: "0x%02X", data[data.startIndex + offset]))); expected UTF-8 text",
                line: line, column: column)
        }
        // Refuse DTDs outright: no entity can then be declared, expanded or fetched.
        let lowered = data.map { $0 | 0x20 }
        if containsToken(lowered, "<!doctype") || containsToken(lowered, "<!entity") {
            throw PlanError(
                file: file, location: "",
                reason: "SVG contains a DOCTYPE or ENTITY declaration; refused (entities are not allowed in plans)")
        }
        let delegate = SVGParserDelegate(file: file, toleranceMM: toleranceMM)
        let parser = XMLParser(data: data)
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = delegate
        let ok = parser.parse()
        if let failure = delegate.failure { throw failure }
        guard ok else {
            throw PlanError(
                file: file, location: "",
                reason: "malformed SVG: \(describeXMLError(parser.parserError)); expected well-formed XML",
                line: parser.lineNumber, column: parser.columnNumber)
        }
        guard delegate.sawRoot else { throw PlanError(file: file, location: "", reason: "no <svg> root element") }
        // Some XMLParser builds accept a truncated document; an element left open means the file is cut short.
        guard delegate.stack.isEmpty else {
            throw PlanError(
                file: file, location: "",
                reason: "malformed SVG: \(delegate.stack.count) element(s) never closed; expected well-formed XML",
                line: parser.lineNumber, column: parser.columnNumber)
        }
        if let problem = delegate.sizeProblem { throw problem }
        var document = SVGDocument(file: file)
        document.shapes = delegate.shapes
        return document
    }

    init(file: String) { self.file = file }

    /// Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidUTF8(_ data: Data) -> Int? {
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F
            default: return i
            }
            guard i + length <= bytes.count else { return i }
            guard bytes[i + 1] >= low, bytes[i + 1] <= high else { return i }
            for k in 2..<max(length, 2) where !(0x80...0xBF).contains(bytes[i + k]) { return i }
            i += length
        }
        return nil
    }

    /// XMLParser's error as words: its own text is "The operation could not be completed (NSXMLParserErrorDomain
    /// error 9)".
    static func describeXMLError(_ error: (any Error)?) -> String {
        guard let error else { return "the parser stopped" }
        let code = (error as NSError).code
        switch XMLParser.ErrorCode(rawValue: code) {
        case .emptyDocumentError: return "the document is empty"
        case .prematureDocumentEndError: return "the document ends early"
        case .invalidCharacterError: return "a character that XML does not allow (or an unescaped '<' or '&')"
        case .invalidCharacterRefError, .invalidDecimalCharacterRefError, .invalidHexCharacterRefError:
            return "a bad character reference (&#...;)"
        case .entityRefAtEOFError, .entityReferenceWithoutNameError, .entityReferenceMissingSemiError,
            .undeclaredEntityError:
            return "an entity reference (&...;) that is not one of &amp; &lt; &gt; &quot; &apos;"
        case .ltRequiredError, .gtRequiredError: return "a tag is not closed with '>'"
        case .attributeNotStartedError, .attributeNotFinishedError,
            .attributeRedefinedError, .lessThanSymbolInAttributeError:
            return "a malformed attribute (each needs name=\"value\", once per element)"
        case .tagNameMismatchError: return "an end tag that does not match its start tag"
        case .extraContentError: return "content after the root element"
        case .notWellBalancedError: return "elements not properly nested"
        case .unfinishedTagError: return "an unfinished tag"
        case .stringNotClosedError, .stringNotStartedError: return "an unclosed quoted string"
        case .commentNotFinishedError: return "an unfinished comment"
        case .namespaceDeclarationError, .uriRequiredError: return "a malformed namespace declaration"
        default: return "XML error \(code)"
        }
    }

    static func containsToken(_ haystack: [UInt8], _ token: String) -> Bool {
        let needle = Array(token.utf8)
        guard haystack.count >= needle.count else { return false }
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }

    /// A region outline: the subpath of largest area is the outline, the others are holes. Throws when there is
    /// no such element or it has no closed shape.
    public func region(id: String, file: String) throws -> PolygonWithHoles {
        guard let subpaths = shapes[id] else {
            throw PlanError(
                file: file, location: "svg#\(id)",
                reason: "no element with this id or label; expected one of \(knownIDs)")
        }
        let rings = subpaths.map { Ring($0.points) }.filter { $0.points.count >= 3 }
        guard let outerIndex = rings.indices.max(by: { rings[$0].area < rings[$1].area }) else {
            throw PlanError(file: file, location: "svg#\(id)", reason: "expected a closed shape with at least 3 points")
        }
        var holes = rings
        let outer = holes.remove(at: outerIndex)
        return PolygonWithHoles(outer: outer, holes: holes)
    }

    /// An open line (the hairline): the first subpath. Throws when there is no such element or it has fewer than
    /// two points.
    public func polyline(id: String, file: String) throws -> [Point] {
        guard let subpaths = shapes[id] else {
            throw PlanError(
                file: file, location: "svg#\(id)",
                reason: "no element with this id or label; expected one of \(knownIDs)")
        }
        guard let first = subpaths.first, first.points.count >= 2 else {
            throw PlanError(file: file, location: "svg#\(id)", reason: "expected a line with at least two points")
        }
        return first.points
    }

    var knownIDs: String {
        let ids = shapes.keys.sorted()
        return ids.isEmpty ? "(none in the file)" : ids.prefix(20).joined(separator: ", ")
    }
}

/// XMLParser delegate: keeps a transform stack and turns shape elements into flattened subpaths.
private final class SVGParserDelegate: NSObject, XMLParserDelegate {
    let file: String
    let toleranceMM: Double
    var shapes: [String: [SVGPathParser.Subpath]] = [:]
    var failure: PlanError?
    var sawRoot = false
    /// The root has no absolute size: reported once the file has no worse problem.
    var sizeProblem: PlanError?
    var elementCount = 0
    var stack: [AffineTransform] = []

    init(file: String, toleranceMM: Double) {
        self.file = file
        self.toleranceMM = toleranceMM
    }

    func fail(_ parser: XMLParser, _ location: String, _ reason: String) {
        if failure == nil {
            failure = PlanError(
                file: file, location: location, reason: reason, line: parser.lineNumber, column: parser.columnNumber)
        }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(parser, "", "SVG declares entity \(name); refused")
    }

    func parser(
        _ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?
    ) {
        fail(parser, "", "SVG declares external entity \(name); refused")
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        elementCount += 1
        let id = attributes["id"] ?? attributes["inkscape:label"]
        let location = id.map { "svg#\($0)" } ?? "<\(elementName)> on line \(parser.lineNumber)"
        guard elementCount <= SVGDocument.maxElements else {
            return fail(parser, location, "more than \(SVGDocument.maxElements) elements; refused")
        }
        guard stack.count < SVGDocument.maxDepth else {
            return fail(parser, location, "elements nested deeper than \(SVGDocument.maxDepth); refused")
        }
        let name = elementName.split(separator: ":").last.map(String.init) ?? elementName
        var base = stack.last ?? .identity
        if !sawRoot {
            guard name == "svg" else {
                return fail(parser, location, "root element is <\(elementName)>; expected <svg>")
            }
            sawRoot = true
            if let problem = sizeProblem(attributes) {
                sizeProblem = PlanError(
                    file: file, location: "<svg> on line \(parser.lineNumber)", reason: problem,
                    line: parser.lineNumber, column: parser.columnNumber)
            }
            guard let rootTransform = rootTransform(attributes) else {
                return fail(
                    parser, location,
                    "width, height or viewBox unreadable; expected e.g. width=\"200mm\" viewBox=\"0 0 200 200\"")
            }
            base = rootTransform
        }
        var transform = base
        if let text = attributes["transform"] {
            guard let t = AffineTransform.parse(text) else {
                return fail(
                    parser, location,
                    "transform \"\(text.prefix(80))\" unreadable; expected matrix/translate/scale/rotate/skewX/skewY")
            }
            transform = base.concatenating(t)
        }
        stack.append(transform)
        guard let key = id else { return }
        do {
            let subpaths: [SVGPathParser.Subpath]
            switch name {
            case "path":
                subpaths = try SVGPathParser.parse(
                    attributes["d"] ?? "", toleranceMM: toleranceMM, transform: transform)
            case "polygon", "polyline":
                let numbers = try numberList(attributes["points"] ?? "")
                guard numbers.count >= 4, numbers.count % 2 == 0 else {
                    throw SVGPathParser.Failure(reason: "points needs an even count of at least 4 numbers")
                }
                let pts = stride(from: 0, to: numbers.count, by: 2).map {
                    transform.apply(Point(numbers[$0], numbers[$0 + 1]))
                }
                subpaths = [SVGPathParser.Subpath(points: pts, closed: name == "polygon")]
            case "line":
                let v = try ["x1", "y1", "x2", "y2"].map { try number(attributes[$0] ?? "0") }
                subpaths = [
                    SVGPathParser.Subpath(
                        points: [transform.apply(Point(v[0], v[1])), transform.apply(Point(v[2], v[3]))], closed: false)
                ]
            case "rect":
                let v = try ["x", "y", "width", "height"].map { try number(attributes[$0] ?? "0") }
                for (k, name) in [(2, "width"), (3, "height")] where !(v[k] > 0) {
                    throw SVGPathParser.Failure(
                        reason: "rect \(name) is \(decimal(v[k])); expected a length greater than 0")
                }
                let corners = [
                    Point(v[0], v[1]), Point(v[0] + v[2], v[1]), Point(v[0] + v[2], v[1] + v[3]),
                    Point(v[0], v[1] + v[3]),
                ]
                subpaths = [SVGPathParser.Subpath(points: corners.map(transform.apply), closed: true)]
            case "circle", "ellipse":
                let cx = try number(attributes["cx"] ?? "0")
                let cy = try number(attributes["cy"] ?? "0")
                let rx = try number(attributes[name == "circle" ? "r" : "rx"] ?? "0")
                let ry = name == "circle" ? rx : try number(attributes["ry"] ?? "0")
                let radii = name == "circle" ? [("r", rx)] : [("rx", rx), ("ry", ry)]
                for (attribute, value) in radii where !(value > 0) {
                    throw SVGPathParser.Failure(
                        reason: "\(name) \(attribute) is \(decimal(value)); expected a radius greater than 0")
                }
                let d = "M \(cx - rx) \(cy) A \(rx) \(ry) 0 1 0 \(cx + rx) \(cy) A \(rx) \(ry) 0 1 0 \(cx - rx) \(cy) Z"
                subpaths = try SVGPathParser.parse(d, toleranceMM: toleranceMM, transform: transform)
            default:
                return
            }
            shapes[key] = subpaths
        } catch let error as SVGPathParser.Failure {
            fail(parser, location, error.reason)
        } catch {
            fail(parser, location, "\(error)")
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if !stack.isEmpty { stack.removeLast() }
    }

    func number(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.hasSuffix("px") ? String(trimmed.dropLast(2)) : trimmed
        guard let v = Double(digits), v.isFinite, abs(v) <= SVGPathParser.maxMagnitude else {
            throw SVGPathParser.Failure(reason: "\"\(text.prefix(40))\" is not a number of magnitude at most 1e6")
        }
        return v
    }

    func numberList(_ text: String) throws -> [Double] {
        guard text.utf8.count <= SVGPathParser.maxLength else {
            throw SVGPathParser.Failure(reason: "points list too long")
        }
        return try text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            .map { try number(String($0)) }
    }

    /// Why the root's size does not fix millimetres, if it does not: a width or height missing or in percent
    /// leaves the scale to a viewer's window, and shapes would come out at an arbitrary size.
    func sizeProblem(_ attributes: [String: String]) -> String? {
        let missing = ["width", "height"].filter { key in
            guard let text = attributes[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return true }
            return text.hasSuffix("%")
        }
        guard !missing.isEmpty else { return nil }
        let found = missing.map { key in
            attributes[key].map { "\(key)=\"\(printableText($0, limit: 20))\"" } ?? "no \(key)"
        }
        return
            "\(found.joined(separator: ", ")); expected the drawing's size in absolute units, e.g. width=\"200mm\" height=\"200mm\" viewBox=\"0 0 200 200\", so that its units map to millimetres"
    }

    /// User units to mm from width/height units and the viewBox.
    func rootTransform(_ attributes: [String: String]) -> AffineTransform? {
        func length(_ text: String?) -> Double?? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return .some(nil) }
            let units: [(String, Double)] = [
                ("mm", 1), ("cm", 10), ("in", 25.4), ("pt", 25.4 / 72), ("pc", 25.4 / 6), ("px", 25.4 / 96),
            ]
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                guard let v = Double(text.dropLast(suffix.count)), v.isFinite, v > 0, v <= 1e6 else { return nil }
                return .some(v * factor)
            }
            if text.hasSuffix("%") { return .some(nil) }
            guard let v = Double(text), v.isFinite, v > 0, v <= 1e6 else { return nil }
            return .some(v * 25.4 / 96)
        }
        guard let widthMM = length(attributes["width"]), let heightMM = length(attributes["height"]) else { return nil }
        guard let viewBoxText = attributes["viewBox"] else {
            let px = 25.4 / 96
            return .scale(px, px)
        }
        let v = viewBoxText.split(whereSeparator: { $0 == " " || $0 == "," }).compactMap { Double($0) }
        guard v.count == 4, v.allSatisfy({ $0.isFinite && abs($0) <= 1e6 }), v[2] > 0, v[3] > 0 else { return nil }
        // Uniform scale (preserveAspectRatio's default xMidYMid meet is not modelled: Inkscape files match).
        let sx = (widthMM ?? v[2] * 25.4 / 96) / v[2]
        let sy = (heightMM ?? v[3] * 25.4 / 96) / v[3]
        return AffineTransform.scale(sx, sy).concatenating(.translation(-v[0], -v[1]))
    }
}
