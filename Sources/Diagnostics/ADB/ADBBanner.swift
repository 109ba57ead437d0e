// SPDX-License-Identifier: Apache-2.0

/// What a device says about itself in its `CNXN` payload: `device::ro.product.name=x;ro.product.model=y;
/// ro.product.device=z;features=shell_v2,cmd,...` (AOSP `adb.cpp`, `get_connection_string`).
public struct ADBBanner: Sendable, Hashable {
    /// `device`, `recovery`, `bootloader`, `sideload`, `rescue`, or `host`.
    public var systemType: String
    /// The serial in the banner (usually empty: phones leave it out).
    public var serial: String
    public var properties: [String: String]
    public var features: Set<String>

    public init(systemType: String, serial: String = "", properties: [String: String] = [:], features: Set<String> = []) {
        self.systemType = systemType
        self.serial = serial
        self.properties = properties
        self.features = features
    }

    /// Parses a banner, tolerating a trailing NUL and unknown keys.
    public init(parsing payload: [UInt8]) {
        var text = String(decoding: payload, as: UTF8.self)
        while text.hasSuffix("\0") { text.removeLast() }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        systemType = parts.count > 0 ? String(parts[0]) : ""
        serial = parts.count > 1 ? String(parts[1]) : ""
        properties = [:]
        features = []
        guard parts.count > 2 else { return }
        for item in parts[2].split(separator: ";") {
            guard let eq = item.firstIndex(of: "=") else { continue }
            let key = String(item[..<eq])
            let value = String(item[item.index(after: eq)...])
            if key == "features" {
                features = Set(value.split(separator: ",").map(String.init))
            } else {
                properties[key] = value
            }
        }
    }

    /// The banner as it goes on the wire (features in a stable order).
    public var encoded: [UInt8] {
        var items = properties.keys.sorted().map { "\($0)=\(properties[$0]!)" }
        items.append("features=" + features.sorted().joined(separator: ","))
        return Array("\(systemType):\(serial):\(items.joined(separator: ";"))".utf8)
    }
}
