// SPDX-License-Identifier: Apache-2.0
//
// The control socket of `intake-agent simulate`: a UNIX stream socket taking one JSON object per line
// (`{"command": "unplug", "device": "iphone-11"}`) and answering one per line (`{"ok": true, "message": "..."}`),
// so a shell script can drive it with `simulate ctl` or `socat`, and a test with a few lines of code.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

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

/// Serves a bench's control socket, one thread per client, until stopped (which removes the socket file).
public final class SimulatorControlServer: Sendable {
    public let path: String
    private let listener: USBMuxListener
    private let clients = Mutex<[ObjectIdentifier: USBMuxConnection]>([:])

    public init(path: String, bench: SimulatedBench) throws {
        self.path = path
        listener = try .unix(path: path)
        let listener = listener
        let thread = Thread { [self] in
            defer { listener.release() }
            while let connection = listener.accept() {
                clients.withLock { $0[ObjectIdentifier(connection)] = connection }
                let client = Thread { [self] in
                    Self.serve(connection, bench: bench)
                    _ = clients.withLock { $0.removeValue(forKey: ObjectIdentifier(connection)) }
                    connection.release()
                }
                client.name = "simulate control client"
                client.start()
            }
        }
        thread.name = "simulate control"
        thread.start()
    }

    public func stop() {
        listener.shutDown()
        clients.withLock { $0.values.forEach { $0.shutDown() } }
    }

    private static func serve(_ connection: USBMuxConnection, bench: SimulatedBench) {
        var reader = LineReader(fd: connection.fd)
        while let line = reader.next() {
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            let reply: SimulatorControlReply
            if let request = try? JSONDecoder().decode(SimulatorControlRequest.self, from: Data(line.utf8)) {
                reply = bench.perform(request)
            } else {
                reply = SimulatorControlReply(
                    ok: false, message: "The control socket takes one JSON object a line, such as {\"command\": \"unplug\", \"device\": \"iphone-11\"}.")
            }
            let data = (try? JSONEncoder().encode(reply)) ?? Data()
            guard connection.write(Array(data) + [0x0a]) else { return }
        }
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

/// Lines from a blocking socket, `\n`-terminated, at most 64 KiB each.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0a) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            guard buffer.count < 65_536 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }
}
