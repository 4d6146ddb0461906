import SMPPlanningTesting

/// libFuzzer's entry point for plan files: `PlanningFuzzHarness.runPlan`, which the test suite replays over the
/// kept corpus (Tests/SMPPlanningTests/Corpus/plans).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    PlanningFuzzHarness.runPlan(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
