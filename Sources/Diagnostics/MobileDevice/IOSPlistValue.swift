// SPDX-License-Identifier: Apache-2.0
//
// libplist nodes copied into Swift values, so no `plist_t` outlives the C call that produced it.

import CIMobileDevice
#if canImport(Glibc)
import Glibc
#endif

/// A property-list value read from a device.
public enum IOSPlistValue: Sendable, Hashable {
    case string(String)
    case integer(Int)
    case real(Double)
    case bool(Bool)
    case data([UInt8])
    case date(Double)
    case array([IOSPlistValue])
    case dictionary([String: IOSPlistValue])

    /// Copies a libplist node (the node stays owned by the caller); `nil` for a NULL node.
    init?(node: plist_t?) {
        guard let node else { return nil }
        switch plist_get_node_type(node) {
        case PLIST_STRING, PLIST_KEY:
            var text: UnsafeMutablePointer<CChar>?
            plist_get_string_val(node, &text)
            defer { free(text) }
            self = .string(text.map { String(cString: $0) } ?? "")
        case PLIST_UINT:
            var value: UInt64 = 0
            plist_get_uint_val(node, &value)
            // libplist 2.2 keeps negative integers as their two's complement in a UINT node.
            self = .integer(Int(truncatingIfNeeded: value))
        case PLIST_REAL:
            var value = 0.0
            plist_get_real_val(node, &value)
            self = .real(value)
        case PLIST_BOOLEAN:
            var value: UInt8 = 0
            plist_get_bool_val(node, &value)
            self = .bool(value != 0)
        case PLIST_DATA:
            var bytes: UnsafeMutablePointer<CChar>?
            var length: UInt64 = 0
            plist_get_data_val(node, &bytes, &length)
            defer { free(bytes) }
            self = .data(bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? [])
        case PLIST_DATE:
            var seconds: Int32 = 0
            var microseconds: Int32 = 0
            plist_get_date_val(node, &seconds, &microseconds)
            self = .date(Double(seconds) + Double(microseconds) / 1e6)
        case PLIST_ARRAY:
            let count = plist_array_get_size(node)
            self = .array((0..<count).compactMap { IOSPlistValue(node: plist_array_get_item(node, $0)) })
        case PLIST_DICT:
            var dictionary: [String: IOSPlistValue] = [:]
            var iterator: plist_dict_iter?
            plist_dict_new_iter(node, &iterator)
            defer { free(iterator) }
            while true {
                var key: UnsafeMutablePointer<CChar>?
                var value: plist_t?
                plist_dict_next_item(node, iterator, &key, &value)
                guard let key else { break }
                defer { free(key) }
                if let converted = IOSPlistValue(node: value) { dictionary[String(cString: key)] = converted }
            }
            self = .dictionary(dictionary)
        default:
            return nil
        }
    }

    public var string: String? { if case .string(let v) = self { v } else { nil } }
    public var integer: Int? { if case .integer(let v) = self { v } else { nil } }
    public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var dictionary: [String: IOSPlistValue]? { if case .dictionary(let v) = self { v } else { nil } }
    public subscript(key: String) -> IOSPlistValue? { dictionary?[key] }
}
