// SPDX-License-Identifier: Apache-2.0
//
// One libFuzzer target for what an Android phone prints back to the agent: the ADB message header, `shell,v2`
// frames and the CNXN banner; the `service call` Parcel dump; `tradeinmode getstatus` JSON; `dumpsys`
// (device_policy, battery, account, lock_settings), `getprop` (with `gsm.sim.state`), the script sections and storage
// tables; the Samsung modem's AT replies. The first byte picks the parser, the rest is its input, so one corpus steers
// every parser. `FUZZ_PARSER=NAME` keeps a run on one parser (its name in `parsers` below): CI fuzzes each for 60 s.
//
//   swift build --build-path .build-fuzz -c release --product fuzz-android-parsers \
//       -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING
//   FUZZ_PARSER=samsung-at .build-fuzz/release/fuzz-android-parsers -max_total_time=60 Fuzz/corpus/android-parsers
//
// Built without FUZZING (as `swift build` does) it replays the corpus files it is given, so the tests and CI run the
// committed corpus through the same entry point.

import Diagnostics
import Foundation

/// The parsers by name, each with the selectors (first bytes, modulo `selectorCount`) that reach it.
let parsers: [(name: String, selectors: [UInt8])] = [
    ("adb-message", [0]), ("shell-v2", [1]), ("parcel", [2]), ("trade-in-json", [3]), ("dumpsys", [4, 5]),
    ("getprop-storage", [6, 7]), ("samsung-at", [8]),
]
let selectorCount: UInt8 = 9

/// The selectors `FUZZ_PARSER` allows: every one when it is unset, `nil` when it names no parser.
let allowedSelectors: [UInt8]? = {
    guard let name = ProcessInfo.processInfo.environment["FUZZ_PARSER"], !name.isEmpty else { return Array(0..<selectorCount) }
    return parsers.first { $0.name == name }?.selectors
}()

/// The sentence for a `FUZZ_PARSER` that names no parser.
func unknownParserSentence() -> String {
    let name = ProcessInfo.processInfo.environment["FUZZ_PARSER"] ?? ""
    return "fuzz-android-parsers: FUZZ_PARSER=\(name) names no parser; use one of \(parsers.map(\.name).joined(separator: ", ")), or leave it unset for all.\n"
}

/// Feeds one input to the parser its first byte names (among those `FUZZ_PARSER` allows). Every parser must return
/// (a value or `nil`), never trap.
func fuzzOne(_ bytes: [UInt8]) {
    guard let first = bytes.first, let allowed = allowedSelectors, !allowed.isEmpty else { return }
    let selector = allowed[Int(first % selectorCount) % allowed.count]
    let body = Array(bytes.dropFirst())
    let text = String(decoding: body, as: UTF8.self)
    switch selector {
    case 0:
        if let header = try? ADBHeader(decoding: Array(body.prefix(24)), maxPayload: 1 << 20) {
            _ = try? header.packet(payload: Array(body.dropFirst(24)), verifyChecksum: true)
        }
    case 1:
        _ = try? ADBShellResult(decodingV2: body)
        _ = ADBBanner(parsing: body)
    case 2:
        _ = AndroidParsers.parcelString(text)
        _ = AndroidParsers.parcelException(text)
    case 3:
        if let status = AndroidParsers.tradeInStatus(text), let bytes = status.capacityBytes {
            _ = AndroidParsers.standardSize(bytes: Double(bytes))
        }
    case 4:
        _ = AndroidParsers.devicePolicy(text)?.managed
    case 5:
        _ = AndroidParsers.batteryDump(text)
        _ = AndroidParsers.accountTypes(text)
        _ = AndroidParsers.screenLockSet(lockSettingsDump: text, getDisabled: text)
    case 6:
        let sections = AndroidParsers.sections(text)
        let properties = AndroidParsers.properties(sections["getprop"] ?? text)
        _ = NetworkLock(simStates: SIMState.slots(properties["gsm.sim.state"] ?? text))
    case 7:
        _ = AndroidParsers.storageGB(partitions: text, dfData: text)
    default:
        // The reply as the modem reader collects it (to one of its commands), then every reply parser and the report.
        let command = SamsungAT.readCommands[Int(body.first ?? 0) % SamsungAT.readCommands.count]
        if let reply = SamsungAT.reply(text, to: command) {
            _ = SamsungAT.devconinfo(reply)
            _ = SamsungAT.imei(reply)
            _ = SamsungAT.reactivationLock(reply)
            _ = SamsungAT.networkLock(reply)
            _ = SamsungAT.report(replies: [command: reply], usbSerial: nil)
        }
    }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's driver (`FuzzerDriver.cpp`): SwiftPM gives an executable its own entry point, so `main` hands over to
/// it rather than libFuzzer's `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@main
struct Fuzz {
    static func main() {
        if allowedSelectors == nil {
            FileHandle.standardError.write(Data(unknownParserSentence().utf8))
            exit(1)
        }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv, { data, size in fuzzerTestOneInput(data, size) }))
    }
}
#else
/// Replays corpus files (or every file of the directories named) through `fuzzOne`; exit 0 when all returned.
@main
struct ReplayCorpus {
    static func main() throws {
        if allowedSelectors == nil {
            FileHandle.standardError.write(Data(unknownParserSentence().utf8))
            exit(1)
        }
        var files: [URL] = []
        for argument in CommandLine.arguments.dropFirst() {
            let url = URL(fileURLWithPath: argument)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("fuzz-android-parsers: no such file: \(argument)\n".utf8))
                exit(1)
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
                files += names.map { url.appendingPathComponent($0) }
            } else {
                files.append(url)
            }
        }
        for file in files { fuzzOne(Array(try Data(contentsOf: file))) }
        print("replayed \(files.count) inputs")
    }
}
#endif
