// SPDX-License-Identifier: Apache-2.0
//
// The pure rules under the iOS report: marketed storage, battery health, and what a missing fact looks like.

@testable import Diagnostics
import Testing

@Suite("iOS facts to the inspect report")
struct IOSDeviceFactsTests {
    @Test("TotalDiskCapacity maps to the marketed size, never to a guess", arguments: [
        (15_989_469_184, 16), (31_989_469_184, 32), (63_978_983_424, 64), (127_989_493_760, 128),
        (255_866_245_120, 256), (511_880_212_480, 512), (1_023_712_215_040, 1024), (2_047_424_430_080, 2048),
        (128_000_000_000, 128), (130_000_000_000, 128), (7_900_000_000, nil), (100_000_000_000, 128), (3_000_000_000_000, nil),
    ] as [(Int, Int?)])
    func storage(bytes: Int, expected: Int?) {
        #expect(IOSDeviceFacts.marketedStorageGB(totalDiskCapacity: bytes) == expected)
    }

    @Test("battery health is full charge over design, rounded down and capped at 100", arguments: [
        (3110, 2650, nil, 85), (3110, nil, 2702, 86), (2815, 3000, nil, 100), (1960, nil, 1503, 76), (0, 2650, nil, nil),
        (3110, nil, nil, nil), (3110, Int.max, nil, nil),
    ] as [(Int, Int?, Int?, Int?)])
    func health(design: Int, nominal: Int?, raw: Int?, expected: Int?) {
        let battery = IOSDeviceFacts.Battery(source: "AppleSmartBattery", designCapacity: design, nominalChargeCapacity: nominal, appleRawMaxCapacity: raw)
        #expect(battery.healthPercent == expected)
        #expect(battery.fullChargeCapacity == (nominal ?? raw))
    }

    @Test("an unread fact is null, a Wi-Fi iPad's IMEI list is empty")
    func nullVersusEmpty() {
        var facts = IOSDeviceFacts(udid: "u")
        facts.pairing = .awaitingTrust
        var report = facts.report()
        #expect(report.imei == nil)
        #expect(report.storageGB == nil)
        #expect(report.locks.findMy == nil)
        #expect(report.locks.mdm == nil)
        #expect(report.battery == nil)
        #expect(report.details?["find_my"] == nil)
        facts.pairing = .paired
        facts.imei = []
        facts.findMyAssociated = true
        report = facts.report()
        #expect(report.imei == [])
        #expect(report.details?["find_my"] == "Find My reported on: confirm on the phone")
        #expect(report.advice == nil)
    }

    @Test("USBMUXD_SOCKET_ADDRESS values libusbmuxd would ignore are named", arguments: [
        ("UNIX:/tmp/x/usbmuxd", false), ("127.0.0.1:27015", false), ("[::1]:27015", false), ("/tmp/x/usbmuxd", true),
        ("UNIX:", true), ("localhost", true), ("127.0.0.1:99999", true),
    ])
    func socketAddress(value: String, problem: Bool) {
        #expect((IOSMux.socketAddressProblem(["USBMUXD_SOCKET_ADDRESS": value]) != nil) == problem)
    }
}
