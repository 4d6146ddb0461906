import Foundation
import SMPBoardSim
import Testing

@Suite("Fault plan and link faults")
struct FaultInjectionTests {
    @Test("the issue's example spec parses")
    func exampleSpec() throws {
        let plan = try FaultPlan(parsing: "corrupt=1e-4,drop=1e-3,disconnect=30s+2s,reset=120s")
        #expect(plan.corruptProbability == 1e-4)
        #expect(plan.dropProbability == 1e-3)
        #expect(plan.disconnects == [FaultPlan.Window(start: 30_000_000, duration: 2_000_000)])
        #expect(plan.resets == [120_000_000])
        #expect(plan.isDisconnected(at: 31_000_000))
        #expect(!plan.isDisconnected(at: 32_000_000))
    }

    @Test("every key and unit parses; repeatable keys accumulate")
    func everyKey() throws {
        let plan = try FaultPlan(
            parsing: "dup=0.5, delay=2ms,jitter=500us,stall=1min+1.5s,noise=0.01N,reset=5s,reset=1s,disconnect=1s+1s")
        #expect(plan.duplicateProbability == 0.5)
        #expect(plan.delayMicros == 2000)
        #expect(plan.jitterMicros == 500)
        #expect(plan.stalls == [FaultPlan.Window(start: 60_000_000, duration: 1_500_000)])
        #expect(plan.sensorNoiseN == 0.01)
        #expect(plan.resets == [1_000_000, 5_000_000])
        #expect(try FaultPlan(parsing: "reset=dip#40,reset=dip#3,reset=2s").resetsAtDip == [3, 40])
        #expect(try FaultPlan(parsing: "") == FaultPlan())
    }

    @Test(
        "bad specs are usage errors naming the key and what was expected",
        arguments: [
            ("corrupt=2", "corrupt"), ("drop=-0.1", "drop"), ("dup=often", "dup"), ("delay=5", "delay"),
            ("disconnect=30s", "disconnect"), ("disconnect=30s+0s", "disconnect"), ("explode=1", "explode"),
            ("drop=0.1,drop=0.2", "drop"), ("corrupt", "corrupt"), ("reset=soon", "reset"), ("reset=dip#0", "reset"),
            ("reset=dip#", "reset"), ("noise=-1", "noise"),
            ("corrupt=nan", "corrupt"),
        ])
    func badSpecs(spec: String, key: String) {
        let error = #expect(throws: SimulatorInputError.self) { try FaultPlan(parsing: spec) }
        #expect(error?.source == "--faults")
        #expect(error?.field == key)
        #expect(error?.exitCode == 64)
    }

    @Test("without USB timing a clean link delivers every byte in order, at once")
    func cleanLink() throws {
        // usb=off: this is the no-fault baseline the fault tests build on, not the USB timing (tested below).
        var link = LinkFaultInjector(plan: try FaultPlan(parsing: "usb=off"), seed: 1, label: "host-to-board")
        link.send([1, 2, 3], at: 10)
        link.send([4], at: 20)
        #expect(link.nextDeliveryTime == 10)
        #expect(link.receive(upTo: 15) == [1, 2, 3])
        #expect(link.receive(upTo: 25) == [4])
        #expect(link.nextDeliveryTime == nil)
    }

    @Test("corruption flips about the asked fraction of bytes, one bit each, and replays by seed")
    func corruption() throws {
        let plan = try FaultPlan(parsing: "corrupt=0.01")
        let payload = [UInt8](repeating: 0, count: 100_000)
        var first = LinkFaultInjector(plan: plan, seed: 99, label: "a")
        var second = LinkFaultInjector(plan: plan, seed: 99, label: "a")
        first.send(payload, at: 0)
        second.send(payload, at: 0)
        let out = first.receive(upTo: 1_000_000)
        #expect(out == second.receive(upTo: 1_000_000))
        let damaged = out.filter { $0 != 0 }
        #expect(damaged.allSatisfy { $0.nonzeroBitCount == 1 })
        #expect(damaged.count > 800 && damaged.count < 1200)
        #expect(first.counters.bitsFlipped == damaged.count)
    }

    @Test("drops and duplicates are whole frames; delay and jitter keep order")
    func dropDuplicateDelay() throws {
        let plan = try FaultPlan(parsing: "drop=0.2,dup=0.2,delay=1ms,jitter=3ms")
        var link = LinkFaultInjector(plan: plan, seed: 5, label: "b")
        // Each write is one 3-byte "frame" ending in the delimiter; values avoid 0x7E.
        for value in 0..<1000 {
            link.send([UInt8(value % 100), UInt8(value / 100), 0x7E], at: UInt64(value) * 100)
        }
        var received = link.receive(upTo: 50_000)
        received += link.receive(upTo: 10_000_000)
        #expect(received.count % 3 == 0)
        var writes: [Int] = []
        var index = 0
        while index < received.count {
            writes.append(Int(received[index]) + 100 * Int(received[index + 1]))
            index += 3
        }
        #expect(zip(writes, writes.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(link.counters.framesDropped > 120 && link.counters.framesDropped < 280)
        #expect(link.counters.framesDuplicated > 100)
        #expect(writes.count == 1000 - link.counters.framesDropped + link.counters.framesDuplicated)
    }

    @Test("a write of several frames loses and repeats them one by one")
    func framesWithinAWrite() throws {
        var link = LinkFaultInjector(plan: try FaultPlan(parsing: "drop=0.3,dup=0.3"), seed: 11, label: "d")
        var write: [UInt8] = []
        for value in UInt8(0)..<100 { write += [value, 0x7E] }
        link.send(write, at: 0)
        let received = link.receive(upTo: 1_000_000)
        let frames = received.split(separator: 0x7E).map { Array($0) }
        #expect(frames.count == 100 - link.counters.framesDropped + link.counters.framesDuplicated)
        #expect(link.counters.framesDropped > 10 && link.counters.framesDuplicated > 10)
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0[0] <= $1[0] })
    }

    @Test("a disconnect loses what is sent and what arrives during it, nothing else")
    func disconnect() throws {
        let plan = try FaultPlan(parsing: "disconnect=1s+2s,delay=10ms")
        var link = LinkFaultInjector(plan: plan, seed: 5, label: "c")
        link.send([1], at: 500_000)
        link.send([2], at: 995_000)  // arrives at 1.005 s, inside the window
        link.send([3], at: 1_500_000)
        link.send([4], at: 3_000_000)
        #expect(link.receive(upTo: 10_000_000) == [1, 4])
        #expect(link.counters.bytesLostToDisconnect == 2)
    }
}
