import Glibc
import Testing
import SMPSystem

@testable import SMPSerial

@Suite("Port enumeration")
struct EnumerationTests {
    @Test("listing the system's ports succeeds (with or without a board plugged in)")
    func listSucceeds() throws {
        let ports = try SerialPortEnumerator.list()
        for port in ports {
            #expect(port.path.hasPrefix("/dev/"))
            if port.transport != .usb { #expect(port.usbVendorID == nil) }
        }
    }

    @Test("a failing sp_list_ports becomes an error naming the call")
    func listFailure() throws {
        let faults = FaultInjection()
        faults.fail("sp_list_ports", errorNumber: EACCES)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: SerialError.self) { try SerialPortEnumerator.list() }
        }
        #expect(error?.operation == "sp_list_ports")
        #expect(error?.message == "Permission denied")
    }

    @Test("USB ids print as lsusb does")
    func usbIDText() {
        let port = SerialPortDescription(
            path: "/dev/ttyACM0", transport: .usb, usbVendorID: 0x1209, usbProductID: 0x5550)
        #expect(port.usbIDText == "1209:5550")
        #expect(SerialPortDescription(path: "/dev/ttyS0", transport: .native).usbIDText == nil)
    }
}
