import CLibSerialPort

/// Lists the serial ports the system knows, through libserialport.
public enum SerialPortEnumerator {
    /// Every serial port libserialport finds (pseudo-terminals are not among them), in the order it reports them.
    ///
    /// - Throws: `SerialError` when libserialport cannot enumerate (e.g. /sys/class/tty is unreadable).
    public static func list() throws(SerialError) -> [SerialPortDescription] {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        try LibSerialPortCall.run("sp_list_ports", port: "*") { sp_list_ports(&list) }
        guard let list else { return [] }
        defer { sp_free_port_list(list) }
        var ports: [SerialPortDescription] = []
        var index = 0
        while let port = list[index] {
            ports.append(describe(port))
            index += 1
        }
        return ports
    }

    /// Reads what libserialport knows about one port. The strings belong to the port structure: copied, not freed.
    static func describe(_ port: OpaquePointer) -> SerialPortDescription {
        let path = string(sp_get_port_name(port)) ?? "?"
        var description = SerialPortDescription(
            path: path,
            transport: transport(sp_get_port_transport(port)),
            description: string(sp_get_port_description(port))
        )
        guard description.transport == .usb else { return description }
        var vendor: Int32 = 0
        var product: Int32 = 0
        // A USB port whose ids cannot be read is still listed, without ids, rather than failing the whole list.
        if (try? LibSerialPortCall.run("sp_get_port_usb_vid_pid", port: path) {
            sp_get_port_usb_vid_pid(port, &vendor, &product)
        }) != nil {
            description.usbVendorID = Int(vendor)
            description.usbProductID = Int(product)
        }
        description.manufacturer = string(sp_get_port_usb_manufacturer(port))
        description.product = string(sp_get_port_usb_product(port))
        description.serialNumber = string(sp_get_port_usb_serial(port))
        return description
    }

    private static func transport(_ value: sp_transport) -> SerialPortDescription.Transport {
        switch value {
        case SP_TRANSPORT_USB: return .usb
        case SP_TRANSPORT_BLUETOOTH: return .bluetooth
        default: return .native
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
