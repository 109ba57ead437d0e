// SPDX-License-Identifier: Apache-2.0

/// What the watcher reports: a device arrived (with everything read about it) or left.
public enum USBEvent: Hashable, Sendable {
    case arrived(USBDeviceInfo)
    case left(USBDeviceInfo)

    /// The device the event is about.
    public var device: USBDeviceInfo {
        switch self {
        case .arrived(let device), .left(let device): device
        }
    }

    /// `arrived` or `left`, the JSON `event` field.
    public var name: String {
        switch self {
        case .arrived: "arrived"
        case .left: "left"
        }
    }
}
