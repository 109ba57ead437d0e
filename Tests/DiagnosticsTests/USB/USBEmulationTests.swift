// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The USB layer through the real libusb under umockdev: emulated devices (Support/EmulatedDevices.swift),
/// the real `intake-agent devices` in the testbed, one testbed per test.
@Suite(.serialized)
struct USBEmulationTests {
    /// What the agent must say about one device.
    struct Expected: CustomStringConvertible {
        var port: String
        var vendor: String
        var product: String
        var kind: String
        var brand: String?
        var manufacturer: String?
        var productName: String?
        var serial: String?
        var hasModem = false

        var description: String { "\(kind) at \(port)" }

        static func of(_ device: EmulatedDevice, at port: String, kind: String, brand: String?, hasModem: Bool = false) -> Expected {
            Expected(
                port: port, vendor: USBDescriptors.hex(USBDescriptors.le16(device.vendor).reversed()),
                product: USBDescriptors.hex(USBDescriptors.le16(device.product).reversed()), kind: kind, brand: brand,
                manufacturer: device.manufacturer, productName: device.productName, serial: device.serial,
                hasModem: hasModem)
        }
    }

    static func check(_ object: [String: Any]?, _ expected: Expected, event: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let object else {
            Issue.record("no event for \(expected)", sourceLocation: sourceLocation)
            return
        }
        if let event { #expect(object["event"] as? String == event, "\(expected)", sourceLocation: sourceLocation) }
        #expect(object["port_path"] as? String == expected.port, sourceLocation: sourceLocation)
        #expect(object["vendor_id"] as? String == expected.vendor, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["product_id"] as? String == expected.product, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["kind"] as? String == expected.kind, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["brand"] as? String == expected.brand, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["manufacturer"] as? String == expected.manufacturer, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["product"] as? String == expected.productName, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["serial"] as? String == expected.serial, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["has_modem"] as? Bool == expected.hasModem, "\(expected)", sourceLocation: sourceLocation)
        #expect(object["bus"] as? Int == 1, sourceLocation: sourceLocation)
    }

    static func deviceList(_ output: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        return try #require(object?["devices"] as? [[String: Any]], "devices --json printed: \(output)")
    }

    // MARK: - Present at start

    @Test func devicesPresentAtStartAreListedWithStringsAndClassified() throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.hub, id: "hub", at: "1-1", devnum: 2)
        let layout: [(EmulatedDevice, String, Expected)] = [
            (.iPhone, "1-1.1", .of(.iPhone, at: "1-1.1", kind: "apple-usbmux", brand: "Apple")),
            (.samsung, "1-1.2", .of(.samsung, at: "1-1.2", kind: "android-adb", brand: "Samsung", hasModem: true)),
            (.samsungNoDebug, "1-1.3", .of(.samsungNoDebug, at: "1-1.3", kind: "android-no-debug", brand: "Samsung", hasModem: true)),
            (.xiaomiMTP, "1-1.4", .of(.xiaomiMTP, at: "1-1.4", kind: "android-no-debug", brand: "Xiaomi")),
            (.samsungModem, "1-2", .of(.samsungModem, at: "1-2", kind: "samsung-modem", brand: "Samsung", hasModem: true)),
            (.receiptPrinter, "1-3", .of(.receiptPrinter, at: "1-3", kind: "printer", brand: nil)),
            (.keyboard, "1-4", .of(.keyboard, at: "1-4", kind: "other", brand: nil)),
        ]
        for (index, (device, port, _)) in layout.enumerated() {
            try bed.plug(device, id: "d\(index)", at: port, devnum: 10 + index)
        }

        let (status, output) = try bed.runAgent(["devices", "--json"])
        #expect(status == 0)
        let devices = try Self.deviceList(output)
        // Hubs (the root hub and the bench hub) are not listed.
        #expect(devices.map { $0["port_path"] as? String ?? "?" } == layout.map(\.1))
        for (_, port, expected) in layout {
            Self.check(devices.first { $0["port_path"] as? String == port }, expected)
        }
        let iPhone = devices.first { $0["kind"] as? String == "apple-usbmux" }
        #expect(iPhone?["speed"] as? String == "high")
        #expect(devices.first { $0["kind"] as? String == "other" }?["speed"] as? String == "low")

        // Without --json: a header and one readable row per device.
        let table = try bed.runAgent(["devices"])
        #expect(table.status == 0)
        let rows = table.output.split(separator: "\n").map(String.init)
        #expect(rows.count == 1 + layout.count)
        #expect(rows.first?.hasPrefix("EVENT    PORT") == true)
        #expect(rows.contains { $0.hasPrefix("present  1-1.2       04e8:6860  android-adb+modem Samsung      SAMSUNG / SAMSUNG_Android / R58M123ABCD") })
        #expect(iPhone?["interfaces"] as? [String] == ["06/01/01", "01/01/00", "01/02/00", "03/00/00", "ff/fe/02", "ff/fd/01"])
    }

    // MARK: - Hotplug

    @Test func hotplugReportsArriveAndLeaveForEachKindInOrderWithPortPaths() throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        let watch = try bed.startAgent(["devices", "--watch", "--json"])
        let sequence: [(EmulatedDevice, String, Expected)] = [
            (.iPhone, "1-1", .of(.iPhone, at: "1-1", kind: "apple-usbmux", brand: "Apple")),
            (.samsung, "1-2", .of(.samsung, at: "1-2", kind: "android-adb", brand: "Samsung", hasModem: true)),
            (.xiaomiMTP, "1-3", .of(.xiaomiMTP, at: "1-3", kind: "android-no-debug", brand: "Xiaomi")),
            (.samsungModem, "1-4", .of(.samsungModem, at: "1-4", kind: "samsung-modem", brand: "Samsung", hasModem: true)),
            (.receiptPrinter, "1-1", .of(.receiptPrinter, at: "1-1", kind: "printer", brand: nil)),
        ]
        for (index, (device, port, expected)) in sequence.enumerated() {
            try bed.plug(device, id: "d\(index)", at: port, devnum: 20 + index)
            let arrived = watch.nextObject()
            Self.check(arrived, expected, event: "arrived")
            #expect(arrived?["address"] as? Int == 20 + index)
            try bed.unplug("d\(index)")
            Self.check(watch.nextObject(), expected, event: "left")
        }
        // A hub arriving says nothing.
        try bed.plug(.hub, id: "hub", at: "1-5", devnum: 40)
        try bed.plug(.xiaomiMTP, id: "after-hub", at: "1-5.2", devnum: 41)
        Self.check(watch.nextObject(), .of(.xiaomiMTP, at: "1-5.2", kind: "android-no-debug", brand: "Xiaomi"), event: "arrived")

        // Without --json, one readable line per event (after the JSON watcher stops: see the eight-phone test).
        watch.stop()
        let readable = try bed.startAgent(["devices", "--watch"])
        #expect(readable.lines.next(timeout: 20)?.hasPrefix("EVENT    PORT") == true)
        #expect(readable.lines.next(timeout: 20)?.hasPrefix("arrived  1-5.2       2717:ff40  android-no-debug") == true)
        try bed.unplug("after-hub")
        #expect(readable.lines.next(timeout: 20)?.hasPrefix("left     1-5.2       2717:ff40  android-no-debug") == true)
    }

    @Test func eightPhonesPluggedAtOnceOnAHubAreAllReportedAndAllLeaveWithoutStaleDevices() throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.hub, id: "hub", at: "1-2", devnum: 2)
        let watch = try bed.startAgent(["devices", "--watch", "--json"])
        let ports = (1...8).map { "1-2.\($0)" }
        let phones = ports.enumerated().map { index, port in
            EmulatedDevice.pixel(serial: "PIXEL\(index)").addCommand(id: "p\(index)", portPath: port, devnum: 10 + index)
        }
        _ = try bed.batch(phones)
        var arrived: [String: String] = [:]
        for _ in ports {
            let event = watch.nextObject()
            #expect(event?["event"] as? String == "arrived")
            #expect(event?["kind"] as? String == "android-adb")
            if let port = event?["port_path"] as? String { arrived[port] = event?["serial"] as? String }
        }
        #expect(arrived == Dictionary(uniqueKeysWithValues: ports.enumerated().map { ($1, "PIXEL\($0)") }))

        _ = try bed.batch((0..<8).map { ["op": "remove", "id": "p\($0)"] })
        var left: Set<String> = []
        for _ in ports {
            let event = watch.nextObject()
            #expect(event?["event"] as? String == "left")
            if let port = event?["port_path"] as? String { left.insert(port) }
        }
        #expect(left == Set(ports))

        // Nothing stale: the next phone is the watcher's only news, and the bus lists no other phone.
        try bed.plug(.pixel(serial: "PIXEL9"), id: "p9", at: "1-2.1", devnum: 30)
        let next = watch.nextObject()
        #expect(next?["event"] as? String == "arrived")
        #expect(next?["serial"] as? String == "PIXEL9")
        #expect(next?["address"] as? Int == 30)
        // umockdev names each process's uevent socket after its fd number, so two libusb processes in one
        // testbed can steal each other's events: stop the watcher before listing.
        watch.stop()
        let (status, output) = try bed.runAgent(["devices", "--json"])
        #expect(status == 0)
        #expect(try Self.deviceList(output).map { $0["serial"] as? String } == ["PIXEL9"])
    }

    // MARK: - Hostile devices

    /// `expected` without the strings: what is reported for a device whose strings could not be read.
    static func withoutStrings(_ expected: Expected) -> Expected {
        var expected = expected
        expected.manufacturer = nil
        expected.productName = nil
        expected.serial = nil
        return expected
    }

    @Test func devicesThatRefuseOrNeverAnswerStringRequestsDelayNoOne() throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        let watch = try bed.startAgent(["devices", "--watch", "--json"])
        var silent = EmulatedDevice.samsung
        silent.stringMode = .silent
        var refusing = EmulatedDevice.samsungNoDebug
        refusing.stringMode = .fail
        let healthy = EmulatedDevice.pixel(serial: "HEALTHY1")
        _ = try bed.batch([
            silent.addCommand(id: "silent", portPath: "1-1", devnum: 5),
            refusing.addCommand(id: "refusing", portPath: "1-2", devnum: 6),
            healthy.addCommand(id: "healthy", portPath: "1-3", devnum: 7),
        ])
        // The silent device holds its string request until the agent's timeout: the others come first.
        var events: [String: [String: Any]] = [:]
        var order: [String] = []
        for _ in 0..<3 {
            guard let event = watch.nextObject(), let port = event["port_path"] as? String else { break }
            events[port] = event
            order.append(port)
        }
        #expect(order.count == 3 && order.last == "1-1", "arrival order \(order)")
        Self.check(events["1-3"], .of(healthy, at: "1-3", kind: "android-adb", brand: "Google"), event: "arrived")
        Self.check(
            events["1-2"], Self.withoutStrings(.of(refusing, at: "1-2", kind: "android-no-debug", brand: "Samsung", hasModem: true)),
            event: "arrived")
        #expect((events["1-2"]?["warnings"] as? [String])?.first?.contains("refused") == true)
        Self.check(
            events["1-1"], Self.withoutStrings(.of(silent, at: "1-1", kind: "android-adb", brand: "Samsung", hasModem: true)),
            event: "arrived")
        #expect((events["1-1"]?["warnings"] as? [String])?.first?.contains("did not answer in time") == true)

        // All three still leave normally.
        try bed.unplug("silent")
        #expect(watch.nextObject()?["port_path"] as? String == "1-1")
    }

    @Test func deviceUnpluggedWhileItsStringsAreReadIsReportedThenLeaves() throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        let watch = try bed.startAgent(["devices", "--watch", "--json"])
        var held = EmulatedDevice.samsung
        held.stringMode = .hold
        let healthy = EmulatedDevice.pixel(serial: "HEALTHY2")
        _ = try bed.batch([
            held.addCommand(id: "held", portPath: "1-1", devnum: 5),
            healthy.addCommand(id: "healthy", portPath: "1-3", devnum: 7),
        ])
        // Pulled out the moment the agent asks it for its strings.
        try bed.send(["op": "await_request", "id": "held"])
        try bed.unplug("held")
        var events: [(String, [String: Any])] = []
        for _ in 0..<3 {
            guard let event = watch.nextObject(), let port = event["port_path"] as? String else { break }
            events.append((port, event))
        }
        let heldEvents = events.filter { $0.0 == "1-1" }.map(\.1)
        #expect(heldEvents.map { $0["event"] as? String } == ["arrived", "left"])
        let expected = Self.withoutStrings(.of(held, at: "1-1", kind: "android-adb", brand: "Samsung", hasModem: true))
        Self.check(heldEvents.first, expected, event: "arrived")
        #expect((heldEvents.first?["warnings"] as? [String])?.first?.contains("unplugged") == true)
        Self.check(heldEvents.last, expected, event: "left")
        Self.check(
            events.first { $0.0 == "1-3" }?.1, .of(healthy, at: "1-3", kind: "android-adb", brand: "Google"), event: "arrived")

        // The watcher carries on.
        try bed.unplug("healthy")
        Self.check(watch.nextObject(), .of(healthy, at: "1-3", kind: "android-adb", brand: "Google"), event: "left")
    }

    @Test func malformedConfigurationDescriptorIsReportedAsOtherWithAWarning() throws {
        let bed = try USBTestbed()
        defer { bed.close() }
        try bed.plugRootHub()
        try bed.plug(.malformed, id: "bad", at: "1-4", devnum: 9)
        try bed.plug(.samsung, id: "good", at: "1-5", devnum: 10)
        let (status, output) = try bed.runAgent(["devices", "--json"])
        #expect(status == 0)
        let devices = try Self.deviceList(output)
        let bad = try #require(devices.first { $0["port_path"] as? String == "1-4" })
        Self.check(bad, .of(.malformed, at: "1-4", kind: "other", brand: nil))
        let warnings = bad["warnings"] as? [String] ?? []
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("malformed") == true)
        Self.check(
            devices.first { $0["port_path"] as? String == "1-5" },
            .of(.samsung, at: "1-5", kind: "android-adb", brand: "Samsung", hasModem: true))
    }
}
