import Glibc
import Testing

@testable import SMPSerial

@Suite("SerialError")
struct SerialErrorTests {
    @Test(
        "errno values map to kinds a caller can act on",
        arguments: [
            (ENOENT, SerialError.Kind.notFound), (ENXIO, .notFound), (ENODEV, .notFound),
            (EACCES, .permissionDenied), (EPERM, .permissionDenied), (EBUSY, .busy), (ENOTTY, .notASerialPort),
            (EIO, .inputOutput),
        ]
    )
    func errnoMapping(errorNumber: Int32, kind: SerialError.Kind) {
        #expect(SerialError.Kind(errorNumber: errorNumber) == kind)
    }

    @Test("the message names the port, the reason and the failing call")
    func messageNamesPortAndReason() {
        let error = SerialError(errorNumber: ENOENT, operation: "stat", port: "/dev/ttyACM7")
        #expect(error.description == "/dev/ttyACM7: no such device (stat: No such file or directory)")
        #expect(error.isUnavailable)
    }

    @Test("a permission error says how to fix it: the dialout group")
    func permissionMentionsDialout() {
        let error = SerialError(errorNumber: EACCES, operation: "sp_open", port: "/dev/ttyUSB0")
        #expect(error.description.hasPrefix("/dev/ttyUSB0: permission denied (sp_open: Permission denied)"))
        #expect(error.description.contains("dialout group"))
        #expect(!error.description.contains("\n"))
    }

    @Test("a lost device is an I/O failure, not an unavailable port")
    func deviceLostIsNotUnavailable() {
        let error = SerialError(kind: .deviceLost, operation: "poll", port: "/dev/ttyACM0", message: "hung up")
        #expect(!error.isUnavailable)
    }
}
