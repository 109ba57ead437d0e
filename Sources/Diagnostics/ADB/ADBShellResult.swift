// SPDX-License-Identifier: Apache-2.0

/// What one shell command gave: stdout, stderr and the exit code (`nil` over the old `shell:` service, which
/// loses it).
public struct ADBShellResult: Sendable, Hashable {
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    public var exitCode: Int?

    public init(stdout: [UInt8], stderr: [UInt8], exitCode: Int?) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }

    public var text: String { String(decoding: stdout, as: UTF8.self) }
    public var errorText: String { String(decoding: stderr, as: UTF8.self) }

    /// The `shell_v2` packet ids (AOSP `shell_protocol.h`).
    public enum PacketID: UInt8, Sendable {
        case stdin = 0, stdout = 1, stderr = 2, exit = 3, closeStdin = 4, windowSizeChange = 5
    }

    /// One `shell_v2` packet: id byte, little-endian u32 length, data.
    public static func frame(_ id: PacketID, _ data: [UInt8]) -> [UInt8] {
        let n = UInt32(data.count)
        return [id.rawValue, UInt8(truncatingIfNeeded: n), UInt8(truncatingIfNeeded: n >> 8),
                UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 24)] + data
    }

    /// Decodes a whole `shell,v2` stream. Packets may split anywhere across `WRTE`s, so this runs on the joined
    /// bytes; a stream cut inside a packet is a protocol error.
    public init(decodingV2 bytes: [UInt8]) throws(ADBError) {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var exitCode: Int?
        var i = 0
        while i < bytes.count {
            guard bytes.count - i >= 5 else { throw .protocolViolation("a shell packet cut short") }
            let length = Int(bytes[i + 1]) | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) << 16 | Int(bytes[i + 4]) << 24
            guard bytes.count - i - 5 >= length else { throw .protocolViolation("a shell packet cut short") }
            let body = bytes[(i + 5)..<(i + 5 + length)]
            switch PacketID(rawValue: bytes[i]) {
            case .stdout: stdout += body
            case .stderr: stderr += body
            case .exit: exitCode = body.first.map(Int.init)
            default: break
            }
            i += 5 + length
        }
        self.init(stdout: stdout, stderr: stderr, exitCode: exitCode)
    }
}
