import ArgumentParser
import Foundation

/// The `smpctl` command: argument handling and output only; every decision lives in the libraries.
@main
struct SMPCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smpctl",
        abstract: "Plan, simulate and drive a scalp-micropigmentation rig.",
        discussion: """
            Exit codes follow sysexits: 64 usage, 65 bad input data, 69 device unavailable, 70 internal error, \
            74 I/O error. Errors are one line on stderr naming the file, field and reason; --json puts a \
            machine-readable summary on stdout.
            """,
        subcommands: [
            PlanCommand.self,
            SimCommand.self,
            PortsCommand.self,
            IdentifyCommand.self,
            CalibrateCommand.self,
            ProfilesCommand.self,
            WireCommand.self,
            DryRunCommand.self,
        ]
    )

    /// Runs the chosen command and turns a `CommandFailure` into its one-line message and sysexits code.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("smpctl: \(failure.message)\n".utf8))
            Foundation.exit(failure.exitCode.rawValue)
        } catch {
            exit(withError: error)
        }
    }
}
