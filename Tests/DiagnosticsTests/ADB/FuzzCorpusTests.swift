// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The committed libFuzzer corpus of the Android parsers (`Fuzz/corpus/android-parsers`), replayed by the fuzz target's
/// own entry point built without the fuzzer (`swift build` builds it): every input returns, none traps; and again
/// with `FUZZ_PARSER` set to each parser `.ci/run` fuzzes for 60 s, which must be every parser the target has.
@Suite struct FuzzCorpusTests {
    static var package: URL {
        var package = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { package.deleteLastPathComponent() }
        return package
    }

    static func replayer() throws -> String {
        let agent = URL(fileURLWithPath: try USBTestbed.agentBinary())
        return agent.deletingLastPathComponent().appendingPathComponent("fuzz-android-parsers").path
    }

    @Test func androidParsersCorpusReplays() throws {
        let corpus = Self.package.appendingPathComponent("Fuzz/corpus/android-parsers")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
        #expect(inputs.count >= 20)
        // Seeds for the Samsung modem's AT replies (selector 8) are among them.
        #expect(inputs.filter { $0.hasPrefix("samsung-at-") }.count >= 5)
        let result = try ADBTestSupport.runProcess(try Self.replayer(), [corpus.path], environment: [:], timeout: 60)
        #expect(result.status == 0, "\(result.out)")
        #expect(result.out == "replayed \(inputs.count) inputs\n")
    }

    /// `.ci/run`'s loop names every parser the target knows (the list its refusal of an unknown name gives), and
    /// the corpus replays under each.
    @Test func ciFuzzesEveryParserOnItsOwn() throws {
        let refused = try ADBTestSupport.runProcess(
            try Self.replayer(), [], environment: ["FUZZ_PARSER": "no-such-parser"], timeout: 30)
        #expect(refused.status == 1)
        let sentence = refused.out
        let start = try #require(sentence.range(of: "use one of "), "\(sentence)")
        let end = try #require(sentence.range(of: ", or leave it unset"), "\(sentence)")
        let names = sentence[start.upperBound..<end.lowerBound].components(separatedBy: ", ")
        #expect(names.count == 7, "\(sentence)")

        let ci = try String(contentsOf: Self.package.appendingPathComponent(".ci/run"), encoding: .utf8)
        let loop = try #require(ci.split(separator: "\n").first { $0.hasPrefix("for fuzz_parser in ") })
        let fuzzed = loop.dropFirst("for fuzz_parser in ".count).prefix { $0 != ";" }.split(separator: " ").map(String.init)
        #expect(fuzzed == names)

        let corpus = Self.package.appendingPathComponent("Fuzz/corpus/android-parsers").path
        for name in names {
            let result = try ADBTestSupport.runProcess(try Self.replayer(), [corpus], environment: ["FUZZ_PARSER": name], timeout: 60)
            #expect(result.status == 0, "\(name): \(result.out)")
            #expect(result.out.hasPrefix("replayed "), "\(name): \(result.out)")
        }
    }
}
