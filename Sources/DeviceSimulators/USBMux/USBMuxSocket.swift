// SPDX-License-Identifier: Apache-2.0
//
// POSIX socket plumbing for the usbmuxd simulator: blocking reads and writes on one connection, one thread each.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// One connected socket of the simulator. Writes are serialised (the event listener connection is written from
/// whichever thread attaches or detaches a device); reads happen on the connection's own thread only.
final class USBMuxConnection: Sendable {
    let fd: Int32
    private let writeLock = Mutex(())
    /// Guards the descriptor's life: once released, `shutDown()` from another thread must not touch the number,
    /// which the kernel may already have given to another socket.
    private let closed = Mutex(false)

    init(fd: Int32) {
        self.fd = fd
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The TLS layer of a lockdown session while one is on (`EnableSessionSSL`).
    private let tls = Mutex<SessionTLS?>(nil)

    /// Accepts the client's TLS handshake: from now on reads and writes are encrypted. `false` when it failed.
    func startTLS() -> Bool {
        guard let context = SessionTLSContext.shared, let session = SessionTLS(fd: fd, context: context) else { return false }
        tls.withLock { $0 = session }
        return true
    }

    /// Back to plain text after StopSession.
    func endTLS() {
        let session = tls.withLock { current in
            defer { current = nil }
            return current
        }
        session?.close(fd: fd)
    }

    /// Reads exactly `count` bytes; `nil` on end of stream or error.
    func read(exactly count: Int) -> [UInt8]? {
        if let session = tls.withLock({ $0 }) { return session.read(exactly: count) }
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + got, count - got, 0)
            }
            if n > 0 {
                got += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return buffer
    }

    /// Writes all of `bytes`; `false` when the peer has gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        if let session = tls.withLock({ $0 }) { return writeLock.withLock { _ in session.write(bytes) } }
        return writeLock.withLock { _ in
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                }
                if n > 0 {
                    sent += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// Ends the connection as an unplug or a daemon exit would: the peer sees end of stream at once, and a
    /// thread blocked reading this socket wakes up. Closing the descriptor is left to `release()`.
    func shutDown() {
        closed.withLock { closed in
            if !closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the descriptor once; called by the thread that owns the connection when it is done.
    func release() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
            _ = Glibc.close(fd)
        }
    }
}

/// A listening socket: a UNIX socket at a path, or TCP on 127.0.0.1 with a free port.
final class USBMuxListener: Sendable {
    let fd: Int32
    /// The value for `USBMUXD_SOCKET_ADDRESS` (`UNIX:/path` or `127.0.0.1:PORT`).
    let address: String
    let unixPath: String?
    /// Set once the descriptor is closed: a later `shutDown()` must not touch a number the kernel may have reused.
    private let closed = Mutex(false)

    init(fd: Int32, address: String, unixPath: String?) {
        self.fd = fd
        self.address = address
        self.unixPath = unixPath
    }

    static func unix(path: String) throws -> USBMuxListener {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw USBMuxSimulatorError("Could not create a UNIX socket (errno \(errno)).") }
        unlink(path)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard path.utf8.count < capacity else {
            close(fd)
            throw USBMuxSimulatorError("The socket path \(path) is longer than \(capacity - 1) bytes: choose a shorter directory.")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, listen(fd, 64) == 0 else {
            let err = errno
            close(fd)
            throw USBMuxSimulatorError("Could not listen on \(path) (\(String(cString: strerror(err)))).")
        }
        return USBMuxListener(fd: fd, address: "UNIX:" + path, unixPath: path)
    }

    static func loopbackTCP(port: UInt16 = 0) throws -> USBMuxListener {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw USBMuxSimulatorError("Could not create a TCP socket (errno \(errno)).") }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, len) == 0 else { return -1 }
                return getsockname(fd, pointer, &len)
            }
        }
        guard rc == 0, listen(fd, 64) == 0 else {
            let err = errno
            close(fd)
            throw USBMuxSimulatorError("Could not listen on 127.0.0.1:\(port) (\(String(cString: strerror(err)))).")
        }
        let port = UInt16(bigEndian: addr.sin_port)
        return USBMuxListener(fd: fd, address: "127.0.0.1:\(port)", unixPath: nil)
    }

    /// Blocks until a client connects; `nil` once the listener has been shut down.
    func accept() -> USBMuxConnection? {
        while true {
            let client = Glibc.accept(fd, nil, nil)
            if client >= 0 { return USBMuxConnection(fd: client) }
            if errno == EINTR || errno == ECONNABORTED { continue }
            return nil
        }
    }

    /// Wakes the accepting thread; the descriptor is closed by that thread (`release()`), never under it, so a
    /// number reused by another socket meanwhile is never accepted from.
    func shutDown() {
        closed.withLock { closed in
            if !closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
        if let unixPath { unlink(unixPath) }
    }

    func release() {
        closed.withLock { closed in
            guard !closed else { return }
            closed = true
            _ = Glibc.close(fd)
        }
    }
}

/// Why the simulator could not start.
public struct USBMuxSimulatorError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
