// SPDX-License-Identifier: Apache-2.0
import Foundation
//
// ADB message framing, as AOSP `adb/protocol.txt` and `adb.h` describe it: a 24-byte little-endian header
// (command, arg0, arg1, payload length, payload byte-sum, command ^ 0xffffffff) followed by the payload.
// Both ends of the protocol use this file: the host engine (`ADBConnection`) and the simulated adbd.

/// One ADB message: the header fields and the payload.
public struct ADBPacket: Sendable, Hashable, CustomStringConvertible {
    public var command: ADBCommand
    public var arg0: UInt32
    public var arg1: UInt32
    public var payload: [UInt8]

    public init(_ command: ADBCommand, _ arg0: UInt32, _ arg1: UInt32, _ payload: [UInt8] = []) {
        self.command = command
        self.arg0 = arg0
        self.arg1 = arg1
        self.payload = payload
    }

    public static let headerSize = 24

    /// The 24 header bytes for this packet, the checksum always filled in (devices older than
    /// `ADBProtocol.versionSkipChecksum` check it; newer ones ignore it).
    public func encodedHeader() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.headerSize)
        for word in [command.rawValue, arg0, arg1, UInt32(payload.count), Self.checksum(payload), ~command.rawValue] {
            out.append(UInt8(truncatingIfNeeded: word))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 24))
        }
        return out
    }

    /// Header and payload in one buffer, as a stream transport (TCP) sends them.
    public func encoded() -> [UInt8] { encodedHeader() + payload }

    /// The payload checksum: the sum of its bytes, modulo 2³².
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var sum: UInt32 = 0
        for b in bytes { sum &+= UInt32(b) }
        return sum
    }

    public var description: String {
        "\(command) arg0=\(arg0) arg1=\(arg1) len=\(payload.count)"
    }
}

/// The header of a message not yet joined by its payload.
public struct ADBHeader: Sendable, Hashable {
    public var command: ADBCommand
    public var arg0: UInt32
    public var arg1: UInt32
    public var length: UInt32
    public var checksum: UInt32

    /// Decodes and checks 24 header bytes: size, a known command, the magic word and a payload length within
    /// `maxPayload`. Throws the `ADBError` that names what was wrong.
    public init(decoding bytes: [UInt8], maxPayload: Int) throws(ADBError) {
        guard bytes.count == ADBPacket.headerSize else { throw .malformedHeader("\(bytes.count) bytes instead of 24") }
        func word(_ i: Int) -> UInt32 {
            UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
        }
        let raw = word(0)
        guard word(20) == ~raw else { throw .badMagic }
        guard let command = ADBCommand(rawValue: raw) else { throw .malformedHeader(String(format: "unknown command 0x%08x", raw)) }
        self.command = command
        self.arg0 = word(4)
        self.arg1 = word(8)
        self.length = word(12)
        self.checksum = word(16)
        guard Int(length) <= maxPayload else { throw .oversizePayload(length: Int(length), maximum: maxPayload) }
    }

    /// Joins the payload, checking its byte-sum when `verifyChecksum` (protocol versions before
    /// `ADBProtocol.versionSkipChecksum`).
    public func packet(payload: [UInt8], verifyChecksum: Bool) throws(ADBError) -> ADBPacket {
        guard payload.count == Int(length) else { throw .malformedHeader("payload of \(payload.count) bytes, header said \(length)") }
        if verifyChecksum && ADBPacket.checksum(payload) != checksum { throw .badChecksum }
        return ADBPacket(command, arg0, arg1, payload)
    }
}

/// The message types of ADB (`adb.h`).
public enum ADBCommand: UInt32, Sendable, Hashable, CustomStringConvertible {
    case sync = 0x434e_5953  // SYNC
    case cnxn = 0x4e58_4e43  // CNXN
    case auth = 0x4854_5541  // AUTH
    case open = 0x4e45_504f  // OPEN
    case okay = 0x5941_4b4f  // OKAY
    case clse = 0x4553_4c43  // CLSE
    case wrte = 0x4554_5257  // WRTE
    case stls = 0x534c_5453  // STLS

    public var description: String {
        let v = rawValue
        let bytes = [v, v >> 8, v >> 16, v >> 24].map { UInt8(truncatingIfNeeded: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Protocol constants from `adb.h`.
public enum ADBProtocol {
    /// The first protocol version.
    public static let versionMin: UInt32 = 0x0100_0000
    /// From this version on, the payload checksum is neither required nor checked.
    public static let versionSkipChecksum: UInt32 = 0x0100_0001
    /// The largest payload older devices accept (4 KiB), and what both sides use until `CNXN` says more.
    public static let maxPayloadV1 = 4096
    /// The largest payload this host offers (`MAX_PAYLOAD`, 1 MiB).
    public static let maxPayload = 1024 * 1024
    /// `AUTH` types.
    public static let authToken: UInt32 = 1
    public static let authSignature: UInt32 = 2
    public static let authRSAPublicKey: UInt32 = 3
    /// The length of the token a device sends in `AUTH` type 1.
    public static let tokenSize = 20
}
