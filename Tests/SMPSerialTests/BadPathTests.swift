import Foundation
import Glibc
import SMPSerialTesting
import SMPSystem
import Testing

@testable import SMPSerial

@Suite("Opening bad paths")
struct BadPathTests {
    @Test("a path that does not exist: not found, naming the port")
    func nonexistent() throws {
        let error = #expect(throws: SerialError.self) { try SerialPort.open("/dev/ttyNOPE42") }
        #expect(error?.kind == .notFound)
        #expect(error?.isUnavailable == true)
        #expect(error?.description.hasPrefix("/dev/ttyNOPE42: no such device") == true)
    }

    @Test("a regular file is not a serial port")
    func regularFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smpserial-\(UUID()).txt").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SerialError.self) { try SerialPort.open(path) }
        #expect(error?.kind == .notASerialPort)
        #expect(error?.message.contains("regular file") == true)
    }

    @Test("a directory is not a serial port")
    func directory() throws {
        let error = #expect(throws: SerialError.self) { try SerialPort.open("/dev") }
        #expect(error?.kind == .notASerialPort)
    }

    @Test("/dev/null is a character device but not a serial port, with either backend")
    func devNull() throws {
        let viaLibSerialPort = #expect(throws: SerialError.self) { try SerialPort.open("/dev/null") }
        #expect(viaLibSerialPort?.kind == .notASerialPort)
        #expect(viaLibSerialPort?.operation == "sp_get_port_by_name")

        let viaTermios = #expect(throws: SerialError.self) {
            try SerialPort.open("/dev/null", configuration: SerialConfiguration(backend: .termios))
        }
        #expect(viaTermios?.kind == .notASerialPort)
        #expect(viaTermios?.operation == "tcgetattr")
    }

    @Test("permission denied names the port and the dialout group (injected: root cannot be refused)")
    func permissionDenied() throws {
        let pty = try PseudoTerminal()
        let faults = FaultInjection()
        faults.fail("open", errorNumber: EACCES)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try SerialPort.open(pty.slavePath) }
        }
        #expect(error?.kind == .permissionDenied)
        #expect(error?.isUnavailable == true)
        #expect(error?.description.contains(pty.slavePath) == true)
        #expect(error?.description.contains("dialout") == true)
    }

    @Test("permission denied from sp_open is mapped the same way")
    func permissionDeniedFromLibSerialPort() throws {
        let faults = FaultInjection()
        faults.fail("sp_open", errorNumber: EACCES)
        // /dev/ttyS0 exists on most Linux machines; the fault fires before the real sp_open would.
        guard FileManager.default.fileExists(atPath: "/sys/class/tty/ttyS0") else { return }
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try SerialPort.open("/dev/ttyS0") }
        }
        #expect(error?.kind == .permissionDenied)
        #expect(error?.operation == "sp_open")
        #expect(error?.message == "Permission denied")
        #expect(error?.description.contains("dialout") == true)
    }

    @Test("a busy device (EBUSY from the kernel) is unavailable")
    func busyFromKernel() throws {
        let pty = try PseudoTerminal()
        let faults = FaultInjection()
        faults.fail("open", errorNumber: EBUSY)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try SerialPort.open(pty.slavePath) }
        }
        #expect(error?.kind == .busy)
        #expect(error?.isUnavailable == true)
    }

    @Test("a rate termios does not have is refused before opening the line")
    func nonStandardRate() throws {
        let pty = try PseudoTerminal()
        let error = #expect(throws: SerialError.self) {
            try SerialPort.open(pty.slavePath, configuration: SerialConfiguration(baudRate: 123_457))
        }
        #expect(error?.kind == .unsupported)
    }
}
