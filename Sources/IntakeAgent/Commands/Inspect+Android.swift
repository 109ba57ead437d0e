// SPDX-License-Identifier: Apache-2.0
//
// The Android path of `inspect`: a phone in `adb tcpip` mode by --adb-tcp, or a USB phone (by --serial, or the
// only Android phone on the bus) read through our own ADB engine over its bulk endpoints. A phone with USB
// debugging off is reported from its descriptors as `no_debugging`.

import AgentCLI
import Diagnostics
import Foundation
import Logging

extension Inspect {
    /// Reads the Android phone the options name; `nil` when none matches (another platform may).
    func inspectAndroid(logger: Logger) async throws -> Inspection? {
        let options = AndroidReader.Options(
            commandTimeout: .seconds(10), handshake: .init(answer: .seconds(5), allow: .seconds(allowWait)))
        let waiting: @Sendable () -> Void = { [allowWait] in
            Output.error("the phone asks \"Allow USB debugging?\": unlock it and tap Allow; waiting up to \(allowWait) s.")
        }
        if let adbTcp {
            guard let (host, port) = ADBTCPTransport.parseEndpoint(adbTcp) else {
                throw Failure("--adb-tcp takes HOST:PORT, such as 192.168.1.20:5555, not \(adbTcp).")
            }
            let key = try DeviceSelection.adbKey(in: global.resolvedDataDir)
            let transport = try ADBTCPTransport(host: host, port: port)
            let report = try await AndroidReader.inspect(over: transport, key: key, options: options, onAwaitingAllow: waiting)
            return Self.androidInspection(report)
        }
        guard udid == nil else { return nil }
        let usb: LibUSBContext
        do { usb = try LibUSBContext(logger: logger) } catch {
            logger.info("no USB access for Android phones: \(error)")
            return nil
        }
        defer { usb.shutdown() }
        guard let chosen = try DeviceSelection.androidPhone(among: try await usb.devices(), serial: serial) else { return nil }
        guard chosen.kind == .androidADB else {
            return Self.androidInspection(AndroidReader.noDebuggingReport(
                serial: chosen.serial, manufacturer: chosen.manufacturer, product: chosen.product,
                vendorID: chosen.vendorID, productID: chosen.productID))
        }
        let key = try DeviceSelection.adbKey(in: global.resolvedDataDir)
        // The reader closes the transport (and releases the interface) when it is done with the connection.
        let transport = try ADBUSBTransport(context: usb, device: chosen)
        let report = try await AndroidReader.inspect(
            over: transport, key: key, options: options, usbSerial: chosen.serial, onAwaitingAllow: waiting)
        return Self.androidInspection(report)
    }

    /// A report that is not a full read ends with its advice as the failure sentence.
    private static func androidInspection(_ report: DeviceReport) -> Inspection {
        let complete = (report.pairing == "authorized" || report.pairing == "trade_in_mode") && report.advice == nil
        return Inspection(report: report, problem: complete ? nil : report.advice)
    }
}
