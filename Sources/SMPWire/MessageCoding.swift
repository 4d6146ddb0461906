// JSON shapes of messages (snake_case keys when encoded with `.convertToSnakeCase`), used by protocol vectors and
// `smpctl wire decode --json`. A message is an object with a "type" name and its fields.

extension MessageType {
    /// The name used in the schema, in JSON and in `wire decode` output.
    public var name: String {
        switch self {
        case .hostHello: "host_hello"
        case .boardHello: "board_hello"
        case .dotTrain: "dot_train"
        case .moveTo: "move_to"
        case .setStrokeRate: "set_stroke_rate"
        case .touchOff: "touch_off"
        case .surfaceGrid: "surface_grid"
        case .hold: "hold"
        case .resume: "resume"
        case .emergencyStop: "emergency_stop"
        case .statusQuery: "status_query"
        case .arm: "arm"
        case .flushQueue: "flush_queue"
        case .disarm: "disarm"
        case .cartridgeFitted: "cartridge_fitted"
        case .completions: "completions"
        case .fault: "fault"
        case .status: "status"
        case .touchOffResult: "touch_off_result"
        case .strokeDetail: "stroke_detail"
        }
    }

    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

extension Message: Codable {
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        let name = try container.decode(String.self, forKey: .type)
        guard let type = MessageType(name: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown message type '\(name)'")
        }
        switch type {
        case .hostHello: self = .hostHello(try HostHello(from: decoder))
        case .boardHello: self = .boardHello(try BoardHello(from: decoder))
        case .dotTrain: self = .dotTrain(try DotTrain(from: decoder))
        case .moveTo: self = .moveTo(try MoveTo(from: decoder))
        case .setStrokeRate: self = .setStrokeRate(try SetStrokeRate(from: decoder))
        case .touchOff: self = .touchOff(try TouchOff(from: decoder))
        case .surfaceGrid: self = .surfaceGrid(try SurfaceGrid(from: decoder))
        case .cartridgeFitted: self = .cartridgeFitted(try CartridgeFitted(from: decoder))
        case .touchOffResult: self = .touchOffResult(try TouchOffResult(from: decoder))
        case .strokeDetail: self = .strokeDetail(try StrokeDetail(from: decoder))
        case .hold: self = .hold
        case .resume: self = .resume
        case .emergencyStop: self = .emergencyStop
        case .statusQuery: self = .statusQuery
        case .arm: self = .arm
        case .flushQueue: self = .flushQueue
        case .disarm: self = .disarm
        case .completions: self = .completions(try CompletionBatch(from: decoder))
        case .fault: self = .fault(try Fault(from: decoder))
        case .status: self = .status(try BoardStatus(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(type.name, forKey: .type)
        switch self {
        case .hostHello(let value): try value.encode(to: encoder)
        case .boardHello(let value): try value.encode(to: encoder)
        case .dotTrain(let value): try value.encode(to: encoder)
        case .moveTo(let value): try value.encode(to: encoder)
        case .setStrokeRate(let value): try value.encode(to: encoder)
        case .touchOff(let value): try value.encode(to: encoder)
        case .surfaceGrid(let value): try value.encode(to: encoder)
        case .cartridgeFitted(let value): try value.encode(to: encoder)
        case .touchOffResult(let value): try value.encode(to: encoder)
        case .strokeDetail(let value): try value.encode(to: encoder)
        case .hold, .resume, .emergencyStop, .statusQuery, .arm, .flushQueue, .disarm: break
        case .completions(let value): try value.encode(to: encoder)
        case .fault(let value): try value.encode(to: encoder)
        case .status(let value): try value.encode(to: encoder)
        }
    }
}

/// Enums travel in JSON by name, so that captures and vectors read as what they mean.
protocol NamedCodable: Codable, CaseIterable, RawRepresentable where RawValue == UInt8 {
    var name: String { get }
}

extension NamedCodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let match = Self.allCases.first(where: { $0.name == name }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown value '\(name)'")
        }
        self = match
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

extension DotOutcome: NamedCodable {
    public var name: String {
        switch self {
        case .completed: "completed"
        case .interrupted: "interrupted"
        case .rejected: "rejected"
        case .discarded: "discarded"
        }
    }
}

extension SurfaceMode: NamedCodable {
    public var name: String {
        switch self {
        case .unmapped: "unmapped"
        case .grid: "grid"
        case .flat: "flat"
        case .unverified: "unverified"
        }
    }
}

extension TouchOffOutcome: NamedCodable {
    public var name: String {
        switch self {
        case .contact: "contact"
        case .noContact: "no_contact"
        case .forceLimit: "force_limit"
        }
    }
}

extension BoardState: NamedCodable {
    public var name: String {
        switch self {
        case .safe: "safe"
        case .ready: "ready"
        case .running: "running"
        case .held: "held"
        }
    }
}

extension FaultCode {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt16.self) {
            self.init(rawValue: number)
            return
        }
        let name = try container.decode(String.self)
        guard let match = Self.names.first(where: { $0.value == name }) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown fault '\(name)'")
        }
        self.init(rawValue: match.key)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if rawValue == 0 {
            try container.encode("none")
        } else {
            try container.encode(name)
        }
    }
}
