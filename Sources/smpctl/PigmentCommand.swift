import ArgumentParser
import Foundation
import SMPPlanning

/// `smpctl pigment`: the pigment catalogue and matching pigment to a client.
struct PigmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pigment",
        abstract: "Match pigment to a client's hair and skin.",
        subcommands: [PigmentMatchCommand.self]
    )
}

/// `smpctl pigment match --hair COLOUR --skin TYPE`: a pigment and dilution per session, one line each saying why.
struct PigmentMatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Recommend a pigment and dilution per session for a client's hair colour and skin type.",
        discussion: """
            Predicts each catalogue pigment's healed tone at each of its dilutions at the skin profile's deposit \
            depth (Docs/Pigment.md) and picks, per session, the one closest to the session's target: the hair \
            colour for the last session, lighter for earlier ones. Deterministic. Warnings go to stderr. A colour \
            or skin type that does not parse, or a bad catalogue, exits 65 naming the option or file.
            """
    )

    @Option(name: .long, help: "Hair colour: sRGB hex (#3b2f2a) or CIELAB (lab:25,3,6).")
    var hair: String

    @Option(name: .long, help: "Skin: Fitzpatrick type 1-6 or I-VI, or fitzpatrick-1-3 / fitzpatrick-4-6.")
    var skin: String

    @Option(name: .long, parsing: .unconditional, help: "Number of sessions (1-6).")
    var sessions = 3

    @Option(
        name: .long, parsing: .unconditional,
        help: "Deposit depth in mm (default: the middle of the skin profile's deposit range).")
    var depth: Double?

    @Option(name: .long, help: "Pigment catalogue (smpctl-pigments/1; default Hardware/pigments/catalogue.json).")
    var catalogue: String?

    @Flag(name: .long, help: "Print JSON on stdout instead of text.")
    var json = false

    func run() throws {
        guard let hairColour = LabColour.parse(hair) else {
            throw CommandFailure(
                .dataError, "--hair: \"\(hair)\" is not a colour; expected sRGB hex (#rrggbb) or CIELAB (lab:L,a,b)")
        }
        guard let skinTone = SkinTone.parse(skin) else {
            throw CommandFailure(
                .dataError,
                "--skin: \"\(skin)\" is not a skin type; expected 1-6, I-VI, fitzpatrick-1-3 or fitzpatrick-4-6")
        }
        guard (1...6).contains(sessions) else {
            throw CommandFailure(.usage, "--sessions \(sessions): out of range; expected 1-6")
        }
        if let depth, !(depth > 0 && depth <= 2) {
            throw CommandFailure(.usage, "--depth \(depth): out of range; expected more than 0 and at most 2 mm")
        }
        let pigments: PigmentCatalogue
        do {
            pigments =
                try catalogue.map {
                    try PigmentCatalogue.load(contentsOf: URL(fileURLWithPath: $0), displayName: $0)
                } ?? .builtIn
        } catch let error as PlanError {
            throw CommandFailure(.dataError, error.description)
        }
        let recommendation = PigmentMatcher.match(
            hair: hairColour, skin: skinTone, sessions: sessions, depthMM: depth, catalogue: pigments)
        for warning in recommendation.warnings { Output.diagnostic("smpctl: warning: \(warning)") }
        if json {
            try Output.json(MatchSummary(recommendation))
        } else {
            for choice in recommendation.sessions { Output.line(choice.explanation) }
        }
    }
}

/// The `--json` document (keys become snake_case).
struct MatchSummary: Encodable {
    var hair: LabColour
    var fitzpatrick: Int
    var depthMm: Double
    var sessions: [PigmentMatcher.SessionChoice]
    var warnings: [String]

    init(_ r: PigmentMatcher.Recommendation) {
        hair = LabColour(
            (r.hair.l * 10).rounded() / 10, (r.hair.a * 10).rounded() / 10, (r.hair.b * 10).rounded() / 10)
        fitzpatrick = r.skin.fitzpatrick
        depthMm = r.depthMM
        sessions = r.sessions.map { choice in
            var c = choice
            for keyPath in [\PigmentMatcher.SessionChoice.target, \.predicted] {
                let v = c[keyPath: keyPath]
                c[keyPath: keyPath] = LabColour(
                    (v.l * 10).rounded() / 10, (v.a * 10).rounded() / 10, (v.b * 10).rounded() / 10)
            }
            return c
        }
        warnings = r.warnings
    }
}
