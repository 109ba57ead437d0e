// SPDX-License-Identifier: Apache-2.0
//
// The iOS part of `intake-agent devices`: usbmuxd's devices listed even when libusb sees no matching USB device
// (here usbmuxd is our simulator), and its attach/detach events under --watch.

import DeviceSimulators
import Foundation
import Testing

@Suite("intake-agent devices lists what usbmuxd lists")
struct DevicesCommandTests {
    private func environment(_ simulator: USBMuxSimulator) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["USBMUXD_SOCKET_ADDRESS"] = simulator.socketAddress
        return environment
    }

    @Test("devices --json has every iOS device, marked as not on this USB bus")
    func list() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.cleanIPhone11)
        simulator.attach(.iPadAir4)
        let result = try IOSToolRunner.run(USBTestbed.agentBinary(), ["devices", "--json"], socketAddress: simulator.socketAddress)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let ios = try #require(object["ios"] as? [[String: Any]])
        #expect(ios.compactMap { $0["udid"] as? String } == [SimulatedIOSDevice.cleanIPhone11.udid, SimulatedIOSDevice.iPadAir4.udid])
        #expect(ios.compactMap { $0["product_id"] as? String } == ["12a8", "12ab"])
        #expect(ios.allSatisfy { $0["on_usb_bus"] as? Bool == false && $0["platform"] as? String == "ios" })
        #expect(ios.first?["usb_serial"] as? String == "00008030001A2C3E0C38802E")
    }

    @Test("devices --watch --json prints arrived and left for iOS devices as usbmuxd reports them")
    func watch() throws {
        let simulator = try USBMuxSimulator.start()
        defer { simulator.stop() }
        simulator.attach(.oldIPhone7)
        let child = try ChildProcess(
            executable: USBTestbed.agentBinary(), arguments: ["devices", "--watch", "--json"], environment: environment(simulator))
        defer { child.stop() }
        let present = try #require(child.nextObject())
        #expect(present["event"] as? String == "arrived")
        #expect(present["udid"] as? String == SimulatedIOSDevice.oldIPhone7.udid)
        simulator.attach(.cleanIPhone11)
        let arrived = try #require(child.nextObject())
        #expect(arrived["event"] as? String == "arrived")
        #expect(arrived["udid"] as? String == SimulatedIOSDevice.cleanIPhone11.udid)
        simulator.detach(udid: SimulatedIOSDevice.cleanIPhone11.udid)
        let left = try #require(child.nextObject())
        #expect(left["event"] as? String == "left")
        #expect(left["udid"] as? String == SimulatedIOSDevice.cleanIPhone11.udid)
    }
}
