// SPDX-License-Identifier: Apache-2.0
public import Diagnostics
public import IntakeStore
import Synchronization

/// An Android phone read by our ADB engine, as a session's `DeviceReading`: over its USB bulk endpoints, over
/// TCP (legacy `adb tcpip`), or, with USB debugging off, from its USB descriptors alone (`no_debugging`, with the
/// advice to turn debugging on).
public struct AndroidADBReader: DeviceReading {
    public enum Link: Sendable {
        case tcp(host: String, port: UInt16)
        case usb(LibUSBContext, USBDeviceInfo)
        /// A phone whose USB interfaces show no ADB: nothing to talk to.
        case descriptorsOnly(USBDeviceInfo)
    }

    public let link: Link
    public let key: ADBKey
    public let options: AndroidReader.Options

    public init(link: Link, key: ADBKey, options: AndroidReader.Options = AndroidReader.Options()) {
        self.link = link
        self.key = key
        self.options = options
    }

    public var label: String {
        switch link {
        case .tcp(let host, let port): "Android \(host):\(port)"
        case .usb(_, let device), .descriptorsOnly(let device): "Android \(device.serial ?? "port " + device.portPath)"
        }
    }

    public func read(progress: @escaping @Sendable (ReadProgress) -> Void) async throws -> DeviceReport {
        let prompted = Mutex(false)
        let onAwaitingAllow: @Sendable () -> Void = {
            prompted.withLock { $0 = true }
            progress(.authorizationNeeded(pairing: "unauthorized", advice: AndroidReader.allowAdvice))
        }
        let report: DeviceReport
        switch link {
        case .descriptorsOnly(let device):
            // A Samsung tells its identity and locks through its modem even with debugging off (its tty may come
            // a moment after the USB device: the driver binds, then udev makes the node).
            if let modem = await SamsungModemReader.read(device: device, ttyWait: .seconds(2)) {
                progress(.identified(identifier: modem.model.identifier))
                return modem
            }
            return AndroidReader.noDebuggingReport(
                serial: device.serial, manufacturer: device.manufacturer, product: device.product,
                vendorID: device.vendorID, productID: device.productID)
        case .tcp(let host, let port):
            let transport = try ADBTCPTransport(host: host, port: port)
            report = try await AndroidReader.inspect(over: transport, key: key, options: options, onAwaitingAllow: onAwaitingAllow)
        case .usb(let context, let device):
            let transport = try ADBUSBTransport(context: context, device: device)
            defer { transport.close() }
            report = try await AndroidReader.inspect(
                over: transport, key: key, options: options, usbSerial: device.serial, onAwaitingAllow: onAwaitingAllow)
        }
        if prompted.withLock({ $0 }), report.pairing == .authorized { progress(.authorized) }
        progress(.identified(identifier: report.model.identifier))
        return report
    }
}

extension AndroidADBReader: DeviceErasing {
    /// Only a phone in ADB Trade-In Mode can be erased over its link; any other is refused with what to do (the
    /// guided reset runs at the terminal, `intake-agent erase`).
    public func erase(certificate: Certificate, settings: ErasureSettings, progress: @escaping @Sendable (Duration) -> Void) async
        -> ErasureAttempt
    {
        let connect: AndroidTradeInEraser.Connect
        switch link {
        case .tcp(let host, let port):
            connect = { try ADBTCPTransport(host: host, port: port) }
        case .usb(let context, let device):
            let serial = device.serial
            connect = {
                let found = try await context.devices().first { $0.kind == .androidADB && $0.serial == serial }
                guard let found else { throw DiagnosticsError.deviceGone() }
                return try ADBUSBTransport(context: context, device: found)
            }
        case .descriptorsOnly:
            return .refused("The phone has USB debugging off, so it cannot be erased over the cable: reset it from its Settings with the customer (intake-agent erase guides it at the terminal).")
        }
        return await CounterErasure.eraseAndroidTradeIn(connect: connect, key: key, certificate: certificate, settings: settings, progress: progress)
    }
}
