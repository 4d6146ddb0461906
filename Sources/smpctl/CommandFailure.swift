import Foundation
import SMPHardware

/// Exit statuses from sysexits(3), the contract every `smpctl` command keeps.
enum SysExit: Int32, Sendable {
    case usage = 64
    case dataError = 65
    case noInput = 66
    case unavailable = 69
    case software = 70
    case ioError = 74
}

/// A failure the user can act on: one line naming the file, field or device and the reason, and its exit status.
struct CommandFailure: Error, CustomStringConvertible {
    let exitCode: SysExit
    let message: String

    init(_ exitCode: SysExit, _ message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    var description: String { message }
}

extension CommandFailure {
    /// A hardware definition or Hardware/ directory that cannot be used: 65 bad data, 66 missing, 69 not found.
    init(hardware error: HardwareDefinitionError) {
        let status: SysExit
        switch error.kind {
        case .badData: status = .dataError
        case .missing: status = .noInput
        case .notFound: status = .unavailable
        }
        self.init(status, error.description)
    }
}
