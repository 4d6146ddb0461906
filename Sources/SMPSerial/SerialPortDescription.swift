/// What the system says about one serial port: enough to recognise a board by its USB ids and to show the user
/// which cable is which.
public struct SerialPortDescription: Sendable, Hashable, Codable {
    /// How the port is attached.
    public enum Transport: String, Sendable, Hashable, Codable {
        /// A UART on the machine itself (or anything libserialport cannot place).
        case native
        /// A USB device: CDC-ACM (/dev/ttyACM*) or a USB-serial bridge (/dev/ttyUSB*).
        case usb
        /// A Bluetooth serial link (rfcomm).
        case bluetooth
    }

    /// The device path, e.g. `/dev/ttyACM0`.
    public var path: String
    public var transport: Transport
    /// USB vendor id, for USB ports whose ids libserialport could read.
    public var usbVendorID: Int?
    /// USB product id, for USB ports whose ids libserialport could read.
    public var usbProductID: Int?
    /// The USB manufacturer string.
    public var manufacturer: String?
    /// The USB product string.
    public var product: String?
    /// The USB serial number string: tells two identical boards apart.
    public var serialNumber: String?
    /// libserialport's one-line description (the USB product string, or the device name).
    public var description: String?

    public init(
        path: String,
        transport: Transport,
        usbVendorID: Int? = nil,
        usbProductID: Int? = nil,
        manufacturer: String? = nil,
        product: String? = nil,
        serialNumber: String? = nil,
        description: String? = nil
    ) {
        self.path = path
        self.transport = transport
        self.usbVendorID = usbVendorID
        self.usbProductID = usbProductID
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.description = description
    }

    /// `vvvv:pppp` in hex, as lsusb shows it, or nil when the port has no USB ids.
    public var usbIDText: String? {
        guard let vendor = usbVendorID, let product = usbProductID else { return nil }
        return hex4(vendor) + ":" + hex4(product)
    }
}

/// Four lower-case hex digits, zero-padded.
func hex4(_ value: Int) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
