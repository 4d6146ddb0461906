import CSerialTestInterposer
import Foundation
import Glibc
import SMPSerialTesting
import SMPSystem
import Testing

@testable import SMPSerial

/// The libserialport backend driven end to end on a pseudo-terminal, through the test-only interposer that answers
/// libserialport's sysfs look-up and modem ioctls for registered PTYs.
/// Serialized: the interposer recognises PTYs by path, and a test that hangs up frees its PTY number while the path
/// is still registered; run in parallel, the "unregistered" test could be handed that number and see it answered.
@Suite("libserialport backend on a pseudo-terminal (test-only interposer)", .serialized)
struct LibSerialPortBackendTests {
    private let libserialport = SerialConfiguration(backend: .libserialport)

    @Test("without the interposer's help libserialport refuses a PTY, and the error says why")
    func unregisteredPTYIsRefused() throws {
        let pty = try PseudoTerminal()
        let error = #expect(throws: SerialError.self) {
            try SerialPort.open(pty.slavePath, configuration: libserialport)
        }
        #expect(error?.operation == "sp_get_port_by_name")
        #expect(error?.kind == .notASerialPort)
        #expect(error?.message.contains("/sys/class/tty") == true)
    }

    @Test("sp_open itself fails on a PTY's modem ioctl (TIOCMGET -> ENOTTY) when only the look-up is answered")
    func modemIoctlFailure() throws {
        let pty = try PseudoTerminal()
        try register(pty)
        defer { smp_test_interposer_unregister_pty(pty.slavePath) }
        let faults = FaultInjection()
        // Reproduces what the kernel answers to TIOCMGET on a PTY, as libserialport reports it.
        faults.fail("sp_open", errorNumber: ENOTTY)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try SerialPort.open(pty.slavePath, configuration: libserialport) }
        }
        #expect(error?.operation == "sp_open")
        #expect(error?.kind == .notASerialPort)
        #expect(error?.message == "Inappropriate ioctl for device")
    }

    @Test("round trip through libserialport both ways")
    func roundTrip() async throws {
        let pty = try PseudoTerminal()
        try register(pty)
        defer { smp_test_interposer_unregister_pty(pty.slavePath) }
        let before = smp_test_interposer_faked_ioctl_count()
        let connection = try SerialPort.open(pty.slavePath, configuration: libserialport)
        #expect(connection.backendName == "libserialport")
        #expect(smp_test_interposer_faked_ioctl_count() > before)
        var incoming = connection.bytes.makeAsyncIterator()

        let toBoard = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        try await connection.write(toBoard)
        #expect(try pty.readFromMaster(count: toBoard.count) == toBoard)
        try pty.writeToMaster([9, 8, 7])
        #expect(try await collect(&incoming, count: 3) == [9, 8, 7])
        await connection.close()
    }

    @Test("hang-up is reported as device lost (poll on the port's handle, not sp_blocking_read)")
    func hangUp() async throws {
        let pty = try PseudoTerminal()
        try register(pty)
        defer { smp_test_interposer_unregister_pty(pty.slavePath) }
        let connection = try SerialPort.open(pty.slavePath, configuration: libserialport)
        var incoming = connection.bytes.makeAsyncIterator()
        // Unregister first: closing the master frees the PTY number for other tests to be handed.
        smp_test_interposer_unregister_pty(pty.slavePath)
        let start = ContinuousClock.now
        pty.close()
        let error = await #expect(throws: SerialError.self) {
            while try await incoming.next() != nil {}
        }
        #expect(error?.kind == .deviceLost)
        // Timed on the I/O thread: see the termios hang-up test.
        let endedAt = try #require((connection as? PolledSerialConnection)?.endedAt)
        #expect(endedAt - start < .seconds(2))
        await connection.close()
    }

    @Test("a second open is refused as busy: libserialport takes no lock itself, SMPSerial adds one")
    func exclusive() async throws {
        let pty = try PseudoTerminal()
        try register(pty)
        defer { smp_test_interposer_unregister_pty(pty.slavePath) }
        let first = try SerialPort.open(pty.slavePath, configuration: libserialport)
        let error = #expect(throws: SerialError.self) {
            try SerialPort.open(pty.slavePath, configuration: libserialport)
        }
        #expect(error?.kind == .busy)
        await first.close()
    }

    @Test(
        "a failing configuration call names itself and closes the port again",
        arguments: ["sp_set_baudrate", "sp_set_bits", "sp_set_parity", "sp_set_stopbits", "sp_set_flowcontrol"]
    )
    func configurationFailure(operation: String) async throws {
        let pty = try PseudoTerminal()
        try register(pty)
        defer { smp_test_interposer_unregister_pty(pty.slavePath) }
        let faults = FaultInjection()
        faults.fail(operation, errorNumber: EIO, times: 1)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try SerialPort.open(pty.slavePath, configuration: libserialport) }
        }
        #expect(error?.operation == operation)
        #expect(error?.message == "Input/output error")
        // Closed and unlocked again: a new open succeeds.
        let connection = try SerialPort.open(pty.slavePath, configuration: libserialport)
        await connection.close()
    }

    private func register(_ pty: PseudoTerminal) throws {
        try #require(smp_test_interposer_register_pty(pty.slavePath) == 0)
    }
}
