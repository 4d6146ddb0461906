import CSerialTestInterposer
import Foundation
import Glibc

@testable import SMPSerial

/// A pseudo-terminal opened by the test: the test plays the board on the master side, and the code under test
/// opens `slavePath` as its serial port.
final class PseudoTerminalPair: @unchecked Sendable {
    let masterDescriptor: Int32
    let slavePath: String
    private var masterOpen = true

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        var name = [CChar](repeating: 0, count: 128)
        let master = smp_test_open_pseudo_terminal(&name, UInt(name.count))
        guard master >= 0 else { throw Failure(description: "opening a PTY: \(SerialError.systemMessage(errno))") }
        masterDescriptor = master
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Raw on the master's side too, so that bytes pass through the line discipline unchanged both ways.
        var settings = termios()
        if tcgetattr(master, &settings) == 0 {
            cfmakeraw(&settings)
            tcsetattr(master, TCSANOW, &settings)
        }
    }

    deinit {
        closeMaster()
    }

    /// Hangs up: the slave side sees POLLHUP and reads fail with EIO.
    func closeMaster() {
        if masterOpen {
            masterOpen = false
            Glibc.close(masterDescriptor)
        }
    }

    func writeToMaster(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(masterDescriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw Failure(description: "write to master: \(SerialError.systemMessage(errno))")
            }
            offset += written
        }
    }

    /// Reads from the master until `count` bytes arrived or `timeout` passed (poll, so no busy wait).
    func readFromMaster(count: Int, timeout: Duration = .seconds(5)) throws -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.count < count {
            let left = deadline - ContinuousClock.now
            if left <= .zero { break }
            var descriptor = pollfd(fd: masterDescriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            if poll(&descriptor, 1, max(1, milliseconds)) <= 0 { continue }
            let wanted = min(buffer.count, count - received.count)
            let got = Glibc.read(masterDescriptor, &buffer, wanted)
            if got <= 0 { break }
            received += buffer[0..<got]
        }
        return received
    }
}

/// Reads from a connection's byte stream until `count` bytes have arrived. Takes the iterator, not the stream:
/// dropping an iterator ends an AsyncThrowingStream, so a test makes one and keeps it.
func collect(
    _ iterator: inout AsyncThrowingStream<[UInt8], any Error>.Iterator,
    count: Int
) async throws -> [UInt8] {
    var received: [UInt8] = []
    while received.count < count, let chunk = try await iterator.next() {
        received += chunk
    }
    return received
}
