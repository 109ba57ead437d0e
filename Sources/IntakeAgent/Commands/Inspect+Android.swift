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
    private var androidOptions: AndroidReader.Options {
        AndroidReader.Options(commandTimeout: .seconds(10), handshake: .init(answer: .seconds(5), allow: .seconds(allowWait)))
    }

    private var awaitingAllow: @Sendable () -> Void {
        { [allowWait] in
            Output.error("the phone asks \"Allow USB debugging?\": unlock it and tap Allow; waiting up to \(allowWait) s.")
        }
    }

    /// Reads an Android phone in `adb tcpip` mode.
    func inspectAndroid(host: String, port: UInt16, logger: Logger) async throws -> Inspection {
        let key = try DeviceSelection.adbKey(in: global.resolvedDataDir)
        let transport = try ADBTCPTransport(host: host, port: port)
        let report = try await AndroidReader.inspect(over: transport, key: key, options: androidOptions, onAwaitingAllow: awaitingAllow)
        return Self.androidInspection(report)
    }

    /// Reads an Android phone on the USB bus; one with debugging off is reported from its descriptors.
    func inspectAndroid(usb: LibUSBContext?, phone: USBDeviceInfo, logger: Logger) async throws -> Inspection {
        guard let usb, phone.kind == .androidADB else {
            // A Samsung with debugging off still tells its identity and locks through its modem's tty.
            if let report = await SamsungModemReader.read(device: phone) { return Self.modemInspection(report, place: "on port \(phone.portPath)") }
            return Self.androidInspection(AndroidReader.noDebuggingReport(
                serial: phone.serial, manufacturer: phone.manufacturer, product: phone.product,
                vendorID: phone.vendorID, productID: phone.productID))
        }
        let key = try DeviceSelection.adbKey(in: global.resolvedDataDir)
        // The reader closes the transport (and releases the interface) when it is done with the connection.
        let transport = try ADBUSBTransport(context: usb, device: phone)
        let report = try await AndroidReader.inspect(
            over: transport, key: key, options: androidOptions, usbSerial: phone.serial, onAwaitingAllow: awaitingAllow)
        return Self.androidInspection(report)
    }

    /// A Samsung read through its modem: a success when the modem gave the phone's identity, else its advice fails.
    func inspectSamsungModem(tty: String) async throws -> Inspection {
        Self.modemInspection(try await SamsungModemReader.read(tty: tty), place: "at \(tty)")
    }

    /// A modem's report is a success when it gave the phone's identity; else its advice (or the silence) fails.
    static func modemInspection(_ report: DeviceReport, place: String) -> Inspection {
        let identified = report.model.identifier != nil || report.imei != nil
        let silent = report.details?["modem_answered"] == "none" && report.advice?.hasPrefix("Read from the Samsung modem") == true
        let problem = silent ? "The modem \(place) did not answer; turn on USB debugging to read the phone." : report.advice
        return Inspection(report: report, problem: identified ? nil : problem)
    }

    /// A report that is not a full read ends with its advice as the failure sentence.
    private static func androidInspection(_ report: DeviceReport) -> Inspection {
        let complete = (report.pairing == .authorized || report.pairing == .tradeInMode) && report.advice == nil
        return Inspection(report: report, problem: complete ? nil : report.advice)
    }
}
