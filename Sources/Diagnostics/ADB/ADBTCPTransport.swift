// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// ADB over TCP (`adb tcpip` mode, or a simulated adbd): a stream socket carrying header and payload back to
/// back.
public final class ADBTCPTransport: ADBTransport {
    public let endpoint: String
    private let socket: TCPSocket

    /// Connects to `host:port` within `timeout`; nothing answering there is `DiagnosticsError.Code.unreachable`.
    public init(host: String, port: UInt16, timeout: Duration = .seconds(5)) throws(DiagnosticsError) {
        self.endpoint = "\(host):\(port)"
        do {
            self.socket = try TCPSocket.connect(host: host, port: port, timeout: timeout)
        } catch {
            throw DiagnosticsError(ADBError.connectFailed(endpoint: "\(host):\(port)", reason: error.reason))
        }
    }

    /// Wraps an accepted socket (the simulated adbd's side).
    public init(acceptedSocket: TCPSocket, endpoint: String) {
        self.socket = acceptedSocket
        self.endpoint = endpoint
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` too).
    public static func parseEndpoint(_ text: String) -> (host: String, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    public func write(header: [UInt8], payload: [UInt8]) throws(ADBError) {
        do { try socket.writeAll(header + payload) } catch { throw .disconnected }
    }

    public func readHeader() throws(ADBError) -> [UInt8] {
        try readPayload(count: ADBPacket.headerSize)
    }

    public func readPayload(count: Int) throws(ADBError) -> [UInt8] {
        do { return try socket.readExactly(count) } catch { throw .disconnected }
    }

    public func close() { socket.shutdown() }
}

/// A connected TCP socket with blocking exact reads and writes; shared by the ADB transport and the simulated
/// adbd.
public final class TCPSocket: Sendable {
    public struct SocketError: Error, Sendable {
        public let reason: String
    }

    private let fd: Int32
    private let isShut = Atomic<Bool>(false)

    public init(fd: Int32) {
        self.fd = fd
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { Glibc.close(fd) }

    public static func connect(host: String, port: UInt16, timeout: Duration) throws(SocketError) -> TCPSocket {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else { throw SocketError(reason: String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = String(cString: strerror(errno)); continue }
            // Non-blocking connect, so an unreachable address fails within `timeout`.
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let ms = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
                if poll(&pfd, 1, ms) == 1 {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                    result = err == 0 ? 0 : -1
                    errno = err
                } else {
                    errno = ETIMEDOUT
                }
            }
            if result == 0 {
                _ = fcntl(fd, F_SETFL, flags)
                return TCPSocket(fd: fd)
            }
            lastError = String(cString: strerror(errno))
            Glibc.close(fd)
        }
        throw SocketError(reason: lastError)
    }

    public func writeAll(_ bytes: [UInt8]) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }

    public func readExactly(_ count: Int) throws(SocketError) -> [UInt8] {
        if count == 0 { return [] }
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let n = out.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress! + offset, count - offset, 0) }
            if n == 0 { throw SocketError(reason: "closed by peer") }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(reason: String(cString: strerror(errno)))
            }
            offset += n
        }
        return out
    }

    /// Ends both directions; a blocked read returns. Safe to call more than once, from any thread.
    public func shutdown() {
        if isShut.exchange(true, ordering: .acquiringAndReleasing) { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }
}
