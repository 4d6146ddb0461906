import CLibSerialPort
import Glibc
import SMPSystem

/// Every libserialport call SMPSerial makes goes through here, so that a failure always becomes a `SerialError`
/// carrying the operation, the port and libserialport's own message, and so that tests can make any call fail on
/// purpose through `FaultInjection`.
enum LibSerialPortCall {
    /// Runs `body` and returns its non-negative result (a count for reads and writes, 0 for `SP_OK`).
    ///
    /// For `SP_ERR_FAIL` the error carries `sp_last_error_code()` and `sp_last_error_message()` (freed here after
    /// copying). The other codes carry no OS message, so the error says what the code means.
    @discardableResult
    static func run(_ operation: String, port: String, _ body: () -> sp_return) throws(SerialError) -> Int32 {
        let result: Int32
        if let injection = FaultInjection.current, let fault = injection.take(operation) {
            // libserialport takes its code and message from errno on Unix, so setting errno here makes the
            // real sp_last_error_code/sp_last_error_message below report the injected failure.
            errno = fault.errorNumber
            result = fault.returnValue ?? SP_ERR_FAIL.rawValue
        } else {
            result = body().rawValue
        }
        if result >= 0 { return result }
        throw error(code: result, operation: operation, port: port)
    }

    /// Turns a negative `sp_return` into a `SerialError`; must run right after the failing call.
    private static func error(code: Int32, operation: String, port: String) -> SerialError {
        switch code {
        case SP_ERR_FAIL.rawValue:
            let errorNumber = sp_last_error_code()
            let message: String
            if let text = sp_last_error_message() {
                message = String(cString: text)
                sp_free_error_message(text)
            } else {
                message = SerialError.systemMessage(errorNumber)
            }
            return SerialError(
                kind: SerialError.Kind(errorNumber: errorNumber),
                operation: operation,
                port: port,
                message: message,
                errorNumber: errorNumber
            )
        case SP_ERR_ARG.rawValue:
            return SerialError(
                kind: .invalidArgument,
                operation: operation,
                port: port,
                message: "libserialport rejected an argument (SP_ERR_ARG)"
            )
        case SP_ERR_MEM.rawValue:
            return SerialError(
                kind: .outOfMemory,
                operation: operation,
                port: port,
                message: "libserialport could not allocate memory (SP_ERR_MEM)"
            )
        case SP_ERR_SUPP.rawValue:
            return SerialError(
                kind: .unsupported,
                operation: operation,
                port: port,
                message: "not supported by this device or platform (SP_ERR_SUPP)"
            )
        default:
            return SerialError(
                kind: .inputOutput,
                operation: operation,
                port: port,
                message: "unexpected libserialport result \(code)"
            )
        }
    }
}
