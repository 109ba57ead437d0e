// SPDX-License-Identifier: Apache-2.0
//
// Property lists as the simulator speaks them: Foundation's PropertyListSerialization for XML and binary plists,
// and the two framings (usbmuxd's 16-byte little-endian header, lockdownd's 4-byte big-endian length).

import Foundation

/// A plist dictionary as the simulator reads and writes it.
typealias USBMuxDictionary = [String: Any]

enum USBMuxPlist {
    /// Encodes a dictionary as an XML plist (what libusbmuxd requires, and what lockdownd clients accept).
    static func xml(_ dictionary: USBMuxDictionary) -> [UInt8] {
        // A dictionary built by the simulator itself always serialises; an empty plist would show a bug at once.
        let data = (try? PropertyListSerialization.data(fromPropertyList: dictionary, format: .xml, options: 0)) ?? Data()
        return [UInt8](data)
    }

    /// Decodes an XML or binary plist dictionary; `nil` when the bytes are not one.
    static func dictionary(_ bytes: [UInt8]) -> USBMuxDictionary? {
        let plist = try? PropertyListSerialization.propertyList(from: Data(bytes), options: [], format: nil)
        return plist as? USBMuxDictionary
    }

    static func string(_ value: Any?) -> String? {
        value as? String
    }

    static func integer(_ value: Any?) -> Int? {
        switch value {
        case let v as Int: return v
        case let v as UInt64: return Int(exactly: v)
        case let v as Int64: return Int(exactly: v)
        case let v as UInt32: return Int(v)
        case let v as NSNumber: return v.intValue
        default: return nil
        }
    }

    static func data(_ value: Any?) -> Data? {
        value as? Data
    }

    /// lockdownd framing: a 4-byte big-endian length, then the plist.
    static func lockdownFrame(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count).bigEndian
        return withUnsafeBytes(of: length) { Array($0) } + payload
    }

    /// usbmuxd framing: length (header included), version 1, message 8 (plist), tag; all little-endian.
    static func usbmuxFrame(tag: UInt32, _ payload: [UInt8]) -> [UInt8] {
        var header = [UInt8]()
        for field in [UInt32(16 + payload.count), 1, 8, tag] {
            withUnsafeBytes(of: field.littleEndian) { header.append(contentsOf: $0) }
        }
        return header + payload
    }

    static func uint32LE(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.reversed().reduce(0) { ($0 << 8) | UInt32($1) }
    }

    static func uint32BE(_ bytes: [UInt8]) -> UInt32 {
        bytes.reduce(0) { ($0 << 8) | UInt32($1) }
    }
}
