import CLibSerialPort
import Glibc
import SMPSystem
import Testing

@testable import SMPSerial

@Suite("libserialport call wrapper and fault injection")
struct LibSerialPortCallTests {
    @Test("SP_ERR_FAIL carries the operation, the port, errno and libserialport's own message")
    func failCarriesLibSerialPortMessage() throws {
        let faults = FaultInjection()
        faults.fail("sp_open", errorNumber: EACCES)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) {
                try LibSerialPortCall.run("sp_open", port: "/dev/ttyACM0") { SP_OK }
            }
        }
        let caught = try #require(error)
        #expect(caught.operation == "sp_open")
        #expect(caught.port == "/dev/ttyACM0")
        #expect(caught.errorNumber == EACCES)
        #expect(caught.kind == .permissionDenied)
        // The text comes from sp_last_error_message(), which on Unix is strerror(errno).
        #expect(caught.message == "Permission denied")
    }

    @Test(
        "codes other than SP_ERR_FAIL say what they mean",
        arguments: [
            (SP_ERR_ARG.rawValue, SerialError.Kind.invalidArgument, "SP_ERR_ARG"),
            (SP_ERR_MEM.rawValue, .outOfMemory, "SP_ERR_MEM"),
            (SP_ERR_SUPP.rawValue, .unsupported, "SP_ERR_SUPP"),
        ]
    )
    func otherCodes(code: Int32, kind: SerialError.Kind, name: String) throws {
        let faults = FaultInjection()
        faults.fail("sp_set_baudrate", errorNumber: 0, returnValue: code)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) {
                try LibSerialPortCall.run("sp_set_baudrate", port: "/dev/ttyUSB1") { SP_OK }
            }
        }
        let caught = try #require(error)
        #expect(caught.kind == kind)
        #expect(caught.message.contains(name))
        #expect(caught.port == "/dev/ttyUSB1")
    }

    @Test("a real SP_ERR_ARG from libserialport becomes an error too")
    func realArgumentError() throws {
        var port: OpaquePointer?
        let error = #expect(throws: SerialError.self) {
            try LibSerialPortCall.run("sp_get_port_by_name", port: "relative") {
                sp_get_port_by_name("relative", &port)
            }
        }
        #expect(error?.kind == .invalidArgument)
        #expect(port == nil)
    }

    @Test("a fault fires the planned number of times, then calls go through")
    func faultCount() throws {
        let faults = FaultInjection()
        faults.fail("sp_drain", errorNumber: EIO, times: 1)
        FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try LibSerialPortCall.run("sp_drain", port: "p") { SP_OK } }
            #expect(throws: Never.self) { try LibSerialPortCall.run("sp_drain", port: "p") { SP_OK } }
        }
        #expect(faults.recordedCalls == ["sp_drain", "sp_drain"])
    }

    @Test("positive results pass through as counts")
    func positiveResult() throws {
        let count = try LibSerialPortCall.run("sp_nonblocking_read", port: "p") { sp_return(rawValue: 17) }
        #expect(count == 17)
    }
}
