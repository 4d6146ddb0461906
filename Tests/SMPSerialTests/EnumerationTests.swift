import Foundation
import Glibc
import SMPSystem
import Testing

@testable import SMPSerial

@Suite("Port enumeration")
struct EnumerationTests {
    @Test("the listing agrees with /sys/class/tty, read independently (with or without a board plugged in)")
    func listMatchesSysfs() throws {
        // The oracle, following libserialport's rule: a tty whose sysfs entry (or its device link) does not point
        // into devices/virtual is a port. serial8250 ports are listed only when the UART answers TIOCGSERIAL with
        // a known type, so they may be missing; every other one must be there.
        let entries = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/tty")
        try #require(!entries.isEmpty, "/sys/class/tty lists nothing: no tty class to compare with")
        var candidates: [String: String] = [:]
        for name in entries {
            let entry = "/sys/class/tty/\(name)"
            let target =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: entry))
                ?? (try? FileManager.default.destinationOfSymbolicLink(atPath: entry + "/device"))
            guard let target, !target.contains("virtual") else { continue }
            let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: entry + "/device/driver")) ?? ""
            candidates["/dev/\(name)"] = target + " " + driver
        }
        let required = Set(candidates.filter { !$0.value.contains("serial8250") }.keys)

        let ports = try SerialPortEnumerator.list()
        let paths = ports.map(\.path)
        #expect(Set(paths).count == paths.count, "a port listed twice: \(paths)")
        #expect(Set(paths).isSubset(of: candidates.keys), "listed \(paths), sysfs has \(candidates.keys.sorted())")
        #expect(required.isSubset(of: paths), "sysfs has \(required.sorted()), listed \(paths)")
        for port in ports {
            var info = stat()
            #expect(stat(port.path, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "\(port.path)")
            let target = candidates[port.path] ?? ""
            #expect((port.transport == .usb) == target.contains("usb"), "\(port.path): \(port.transport), \(target)")
            if port.transport != .usb { #expect(port.usbVendorID == nil) }
        }
        #expect(try SerialPortEnumerator.list().map(\.path) == paths, "two listings in a row differ")
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
