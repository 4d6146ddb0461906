import Foundation
import Testing

/// `smpctl pigment match` as a user runs it.
@Suite struct PigmentCommandTests {
    func smpctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try SMPCtlProcess.run(arguments, in: PlanCommandTests.repoRoot)
        return (result.status, result.standardOutput, result.standardError)
    }

    @Test func matchPrintsOneLinePerSessionTheSameEveryTime() throws {
        let run = try smpctl(["pigment", "match", "--hair", "#3b2f2a", "--skin", "III"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        for (k, line) in lines.enumerated() { #expect(line.hasPrefix("session \(k + 1) of 3: ")) }
        #expect(try smpctl(["pigment", "match", "--hair", "#3b2f2a", "--skin", "III"]).stdout == run.stdout)
        let json = try smpctl(["pigment", "match", "--hair", "lab:25,4,5", "--skin", "5", "--json", "--sessions", "2"])
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((document["sessions"] as? [[String: Any]])?.count == 2)
    }

    @Test func badColourOrSkinExits65WithOneLine() throws {
        for arguments in [["--hair", "#12", "--skin", "2"], ["--hair", "#3b2f2a", "--skin", "7"]] {
            let run = try smpctl(["pigment", "match"] + arguments)
            #expect(run.status == 65)
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
            #expect(run.stderr.hasPrefix("smpctl: --"), "\(run.stderr)")
        }
    }
}
