import ArgumentParser
import Foundation
import SMPSystem

/// The `smpctl` command: argument handling and output only; every decision lives in the libraries.
@main
struct SMPCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smpctl",
        abstract: "Plan, simulate and drive a scalp-micropigmentation rig.",
        discussion: """
            Exit codes follow sysexits: 64 usage, 65 bad input data, 66 input file missing or unreadable, 69 \
            device unavailable, 70 internal error, 73 output file cannot be created, 74 I/O error. Errors are one \
            line on stderr naming the file, field and reason; --json puts a machine-readable summary on stdout. \
            An output file of - means stdout.
            """,
        subcommands: [
            PlanCommand.self,
            SimCommand.self,
            PortsCommand.self,
            IdentifyCommand.self,
            RunCommand.self,
            CalibrateCommand.self,
            ProfilesCommand.self,
            WireCommand.self,
            PigmentCommand.self,
            DryRunCommand.self,
        ]
    )

    /// Runs the chosen command. Whatever goes wrong ends in one line on stderr and a sysexits status: a usage
    /// error 64 (ArgumentParser's usage text and help hint are left out; `--help` shows them), a `CommandFailure`
    /// its own status, anything else 70.
    static func main() async {
        SystemCall.ensureStandardDescriptorsOpen()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // --help and --version arrive here as errors with status 0: ArgumentParser prints them.
            if exitCode(for: error) == .success { exit(withError: error) }
            fail(.usage, usageMessage(for: error))
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            fail(failure.exitCode, failure.message)
        } catch {
            // ArgumentParser's own errors can arrive here too: help asked for (`smpctl help plan`, a command
            // group run alone) exits 0 with the help, a validation error is a usage error.
            switch exitCode(for: error) {
            case .success: exit(withError: error)
            case .validationFailure: fail(.usage, usageMessage(for: error))
            default: fail(.software, "internal error: \(error)")
            }
        }
    }

    /// ArgumentParser's message for a parse or validation error, as one line with a pointer to --help.
    static func usageMessage(for error: any Error) -> String {
        let lines = message(for: error).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let text = lines.isEmpty ? "invalid arguments" : lines.joined(separator: "; ")
        return text.prefix(1).lowercased() + text.dropFirst() + " (see --help)"
    }

    /// Prints `message` as one terminal-safe line and exits with `status`.
    static func fail(_ status: SysExit, _ message: String) -> Never {
        Output.diagnostic("smpctl: " + message)
        Foundation.exit(status.rawValue)
    }
}
