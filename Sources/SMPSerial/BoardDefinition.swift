/// The part of a board definition (`Hardware/<model>/board.json`) the transport needs: the board's name, the USB
/// ids that identify it on the bus, and its serial speed. The rest of the file (limits, clock) belongs to others.
public struct BoardDefinition: Sendable, Hashable, Decodable {
    /// USB vendor and product id of the board's CDC-ACM interface.
    public struct USBIdentity: Sendable, Hashable, Decodable {
        public var vendorID: Int
        public var productID: Int

        public init(vendorID: Int, productID: Int) {
            self.vendorID = vendorID
            self.productID = productID
        }

        enum CodingKeys: String, CodingKey {
            case vendorID = "vendor_id"
            case productID = "product_id"
        }
    }

    /// Serial line settings of the board.
    public struct SerialSettings: Sendable, Hashable, Decodable {
        public var baud: Int

        public init(baud: Int) {
            self.baud = baud
        }
    }

    /// The model name, e.g. `smp-driver-r1`.
    public var model: String
    public var usb: USBIdentity
    public var serial: SerialSettings?

    public init(model: String, usb: USBIdentity, serial: SerialSettings? = nil) {
        self.model = model
        self.usb = usb
        self.serial = serial
    }

    /// True when `port` carries this board's USB vendor and product id.
    public func matches(_ port: SerialPortDescription) -> Bool {
        port.usbVendorID == usb.vendorID && port.usbProductID == usb.productID
    }
}
