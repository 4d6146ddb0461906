import SMPPlanningTesting

/// libFuzzer's entry point for SVG files: `PlanningFuzzHarness.runSVG`, which the test suite replays over the
/// kept corpus (Tests/SMPPlanningTests/Corpus/svg).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    PlanningFuzzHarness.runSVG(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
