// SPDX-License-Identifier: Apache-2.0
//
// The control socket of `intake-agent simulate`: a UNIX stream socket taking one JSON object per line
// (`{"command": "unplug", "device": "iphone-11"}`) and answering one per line (`{"ok": true, "message": "..."}`),
// so a shell script can drive it with `simulate ctl` or `socat`, and a test with a few lines of code.

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One request: `command` is `plug`, `unplug`, `trust`, `deny`, `allow`, `set` or `list`; `set` carries
/// `KEY=VALUE` assignments.
public struct SimulatorControlRequest: Codable, Sendable {
    public var command: String
    public var device: String?
    public var set: [String]?

    public init(command: String, device: String?, set: [String]? = nil) {
        self.command = command
        self.device = device
        self.set = set
    }
}

/// The answer: `ok` and one sentence (what happened, or why not).
public struct SimulatorControlReply: Codable, Sendable {
    public var ok: Bool
    public var message: String

    public init(ok: Bool, message: String) {
        self.ok = ok
        self.message = message
    }
}

/// The client side, for `simulate ctl`.
public enum SimulatorControl {
    /// Sends one request to the control socket at `path` and returns its reply.
    public static func send(_ request: SimulatorControlRequest, to path: String) throws(SimulatorControlError) -> SimulatorControlReply {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SimulatorControlError("Could not create a UNIX socket (\(String(cString: strerror(errno)))).") }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            throw SimulatorControlError("The control socket path \(path) is too long for a UNIX socket.")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw SimulatorControlError(
                "No simulator answers on \(path) (\(String(cString: strerror(errno)))): start `intake-agent simulate --control \(path)` first, or check the path it printed.")
        }
        let connection = USBMuxConnection(fd: fd)
        let data = (try? JSONEncoder().encode(request)) ?? Data()
        guard connection.write(Array(data) + [0x0a]) else {
            throw SimulatorControlError("The simulator on \(path) closed the control socket before the request was sent.")
        }
        var reader = LineReader(fd: fd)
        guard let line = reader.next(), let reply = try? JSONDecoder().decode(SimulatorControlReply.self, from: Data(line.utf8)) else {
            throw SimulatorControlError("The simulator on \(path) closed the control socket without answering.")
        }
        return reply
    }
}

/// A control request the bench refuses, as one sentence.
public struct SimulatorControlError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
