import SMPWireTesting

/// libFuzzer's entry point: everything interesting happens in `WireFuzzHarness`, which the test suite replays over
/// the kept corpus (Tests/SMPWireTests/Corpus).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    WireFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
