// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The committed libFuzzer corpus of the Android parsers (`Fuzz/corpus/android-parsers`), replayed by the fuzz target's
/// own entry point built without the fuzzer (`swift build` builds it): every input returns, none traps.
@Suite struct FuzzCorpusTests {
    @Test func androidParsersCorpusReplays() throws {
        let agent = URL(fileURLWithPath: try USBTestbed.agentBinary())
        let replayer = agent.deletingLastPathComponent().appendingPathComponent("fuzz-android-parsers").path
        var package = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { package.deleteLastPathComponent() }
        let corpus = package.appendingPathComponent("Fuzz/corpus/android-parsers")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(inputs.count >= 15)
        let result = try ADBTestSupport.runProcess(replayer, [corpus.path], environment: [:], timeout: 60)
        #expect(result.status == 0, "\(result.out)")
        #expect(result.out == "replayed \(inputs.count) inputs\n")
    }
}
