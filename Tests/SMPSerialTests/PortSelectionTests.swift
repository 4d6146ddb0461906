import SMPHardware
import Testing

@testable import SMPSerial

@Suite("Recognising boards and --port auto")
struct PortSelectionTests {
    let catalog = BoardCatalog(
        directory: "/hw",
        boards: [
            BoardDefinition.r1,
            {
                var variant = BoardDefinition.r1
                variant.model = "smp-driver-r2"
                variant.usb = .init(vendorID: 0x1209, productID: 0x5551)
                return variant
            }(),
        ]
    )

    func board(_ path: String, product: Int = 0x5550, serial: String? = nil) -> SerialPortDescription {
        SerialPortDescription(
            path: path,
            transport: .usb,
            usbVendorID: 0x1209,
            usbProductID: product,
            manufacturer: "pid.codes",
            product: "SMP driver",
            serialNumber: serial
        )
    }

    let bridge = SerialPortDescription(path: "/dev/ttyUSB0", transport: .usb, usbVendorID: 0x0403, usbProductID: 0x6001)
    let uart = SerialPortDescription(path: "/dev/ttyS0", transport: .native)

    @Test("ports carrying a board's USB ids are marked with that board, others are not")
    func recognise() {
        let marked = PortSelection.recognise([uart, board("/dev/ttyACM0", product: 0x5551), bridge], catalog: catalog)
        #expect(marked.map(\.board?.model) == [nil, "smp-driver-r2", nil])
    }

    @Test("auto picks the single board among other ports")
    func singleBoard() throws {
        let path = try PortSelection.resolve("auto", catalog: catalog) { [uart, bridge, board("/dev/ttyACM3")] }
        #expect(path == "/dev/ttyACM3")
    }

    @Test("auto with no board fails, says which ids it looked for and suggests --port")
    func noBoard() {
        let error = #expect(throws: SerialError.self) {
            try PortSelection.resolve("auto", catalog: catalog) { [uart, bridge] }
        }
        #expect(error?.kind == .noBoardFound)
        #expect(error?.port == "auto")
        #expect(error?.isUnavailable == true)
        #expect(error?.message.contains("1209:5550") == true)
        #expect(error?.message.contains("--port PATH") == true)
    }

    @Test("auto with several boards fails and lists them with their serial numbers")
    func severalBoards() {
        let error = #expect(throws: SerialError.self) {
            try PortSelection.resolve("auto", catalog: catalog) {
                [board("/dev/ttyACM0", serial: "A1"), board("/dev/ttyACM1", serial: "B2")]
            }
        }
        #expect(error?.kind == .severalBoardsFound)
        #expect(error?.message.contains("/dev/ttyACM0 (smp-driver-r1, serial A1)") == true)
        #expect(error?.message.contains("/dev/ttyACM1") == true)
    }

    @Test("a path is used as given, without listing ports")
    func explicitPath() throws {
        let path = try PortSelection.resolve("/dev/pts/7", catalog: catalog) {
            Issue.record("ports listed for an explicit path")
            return []
        }
        #expect(path == "/dev/pts/7")
    }

    @Test("enumeration failure during auto propagates")
    func enumerationFailure() {
        let failure = SerialError(kind: .inputOutput, operation: "sp_list_ports", port: "*", message: "boom")
        let error = #expect(throws: SerialError.self) {
            try PortSelection.resolve("auto", catalog: catalog) { () throws(SerialError) in throw failure }
        }
        #expect(error == failure)
    }
}
