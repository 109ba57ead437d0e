// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Foundation

struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "Lists the phones and printers on the USB bus."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Prints JSON: one object, or with --watch one object per line per event.")
    var json = false

    @Flag(help: "Keeps running and prints a line each time a device arrives or leaves, until interrupted.")
    var watch = false

    @Flag(help: "Adds each event's monotonic clock reading in nanoseconds (the benchmark uses it).")
    var timestamps = false

    func run() async throws {
        try await reportingFailures {
            let logger = global.makeLogger()
            let context = try LibUSBContext(logger: logger)
            defer { context.shutdown() }
            if watch {
                try await watchEvents(context)
            } else {
                let devices = try await context.devices().filter { $0.kind != .hub }
                async let modems = Self.modemReports(devices)
                let ios = await Self.iosDeviceLines(usbSerials: devices.map(\.serial))
                let reports = await modems
                let lines = devices.map { DeviceLine($0, event: nil, modem: reports[$0.portPath]) }
                if json {
                    try Output.json(DeviceList(devices: lines, ios: ios))
                } else {
                    printTable(lines)
                    Self.printIOS(ios)
                }
            }
        }
    }

    private func watchEvents(_ context: LibUSBContext) async throws {
        let watcher = try context.watch()
        if !json { Output.line(DeviceLine.tableHeader) }
        let ios = Task { try await watchIOS() }
        defer { ios.cancel() }
        for await event in watcher {
            var line = DeviceLine(event.device, event: event.name)
            if timestamps { line.monotonicNanoseconds = Self.monotonicNanoseconds() }
            if json {
                try Output.json(line, pretty: false)
            } else {
                Output.line(line.tableRow)
            }
        }
    }

    private func printTable(_ lines: [DeviceLine]) {
        guard !lines.isEmpty else {
            Output.line("No phones or printers on the USB bus.")
            return
        }
        Output.line(DeviceLine.tableHeader)
        for line in lines {
            Output.line(line.tableRow)
            if let modem = line.modem { Output.line(DeviceLine.modemRow(modem)) }
        }
    }

    /// What each debugging-off Samsung's modem says, by port path, every modem read at once (a silent one costs
    /// its command timeouts, not the others' too).
    static func modemReports(_ devices: [USBDeviceInfo]) async -> [String: DeviceReport] {
        await withTaskGroup(of: (String, DeviceReport?).self) { group in
            for device in devices where SamsungModemPort.readsModem(device) {
                group.addTask { (device.portPath, await SamsungModemReader.read(device: device).map(Inspect.namingModel)) }
            }
            var reports: [String: DeviceReport] = [:]
            for await (port, report) in group { if let report { reports[port] = report } }
            return reports
        }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// `devices --json`: one object.
struct DeviceList: Encodable {
    var devices: [DeviceLine]
    /// Every iPhone and iPad usbmuxd lists (Devices+iOS.swift).
    var ios: [IOSDeviceLine] = []
}

/// One device as `devices` prints it; the field names are a contract (design.md). Missing facts are `null`.
struct DeviceLine: Encodable {
    var event: String?
    var bus: Int
    var address: Int
    var portPath: String
    var vendorID: String
    var productID: String
    var manufacturer: String?
    var product: String?
    var serial: String?
    var kind: String
    var brand: String?
    var hasModem: Bool
    var speed: String
    var warnings: [String]
    /// The interface class triples over all configurations, such as `ff/42/01`.
    var interfaces: [String]
    var monotonicNanoseconds: UInt64?
    /// A debugging-off Samsung read through its modem (the `inspect --json` object, each fact's command in
    /// `sources`); `null` for every other device.
    var modem: DeviceReport?

    init(_ device: USBDeviceInfo, event: String?, modem: DeviceReport? = nil) {
        self.event = event
        self.modem = modem
        bus = Int(device.bus)
        address = Int(device.address)
        portPath = device.portPath
        vendorID = device.vendorIDHex
        productID = device.productIDHex
        manufacturer = device.manufacturer
        product = device.product
        serial = device.serial
        kind = device.kind.rawValue
        brand = device.brand?.rawValue
        hasModem = device.hasModem
        speed = device.speed.rawValue
        warnings = device.warnings
        var triples: [String] = []
        for interface in device.interfaces {
            let triple = [interface.interfaceClass, interface.interfaceSubclass, interface.interfaceProtocol]
                .map { String(format: "%02x", $0) }.joined(separator: "/")
            if !triples.contains(triple) { triples.append(triple) }
        }
        interfaces = triples
    }

    enum CodingKeys: String, CodingKey {
        case event, bus, address, manufacturer, product, serial, kind, brand, speed, warnings, interfaces
        case portPath = "port_path", vendorID = "vendor_id", productID = "product_id", hasModem = "has_modem"
        case monotonicNanoseconds = "monotonic_ns", modem
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(event, forKey: .event)
        try container.encode(bus, forKey: .bus)
        try container.encode(address, forKey: .address)
        try container.encode(portPath, forKey: .portPath)
        try container.encode(vendorID, forKey: .vendorID)
        try container.encode(productID, forKey: .productID)
        try container.encode(manufacturer, forKey: .manufacturer)
        try container.encode(product, forKey: .product)
        try container.encode(serial, forKey: .serial)
        try container.encode(kind, forKey: .kind)
        try container.encode(brand, forKey: .brand)
        try container.encode(hasModem, forKey: .hasModem)
        try container.encode(speed, forKey: .speed)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(interfaces, forKey: .interfaces)
        try container.encodeIfPresent(monotonicNanoseconds, forKey: .monotonicNanoseconds)
        try container.encode(modem, forKey: .modem)
    }

    /// The line under a Samsung's row with what its modem said, and the advice.
    static func modemRow(_ report: DeviceReport) -> String {
        let model = [report.model.name, report.model.identifier].compactMap { $0 }.joined(separator: " ")
        var parts = ["model " + (model.isEmpty ? "unknown" : model)]
        parts.append("IMEI " + (report.imei?.joined(separator: ", ") ?? "unknown"))
        parts.append("serial " + (report.serial ?? "unknown"))
        if let lock = report.locks.networkLock { parts.append("carrier lock " + (lock.isLocked ? lock.rawValue : "none")) }
        if let reactivation = report.locks.reactivationLock { parts.append("Reactivation Lock " + (reactivation ? "on" : "off")) }
        return "         modem: " + parts.joined(separator: ", ") + (report.advice.map { ". " + $0 } ?? "")
    }

    static let tableHeader = "EVENT    PORT        ID         KIND              BRAND        MANUFACTURER / PRODUCT / SERIAL"

    var tableRow: String {
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
        }
        let names = [manufacturer, product, serial].map { $0 ?? "?" }.joined(separator: " / ")
        let kindText = kind + (hasModem ? "+modem" : "")
        var row = pad(event ?? "present", 9) + pad(portPath, 12) + pad("\(vendorID):\(productID)", 11)
        row += pad(kindText, 18) + pad(brand ?? "-", 13) + names
        if !warnings.isEmpty { row += "  (" + warnings.joined(separator: " ") + ")" }
        return row
    }
}
