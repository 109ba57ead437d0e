// SPDX-License-Identifier: Apache-2.0
//
// `TCPSocket.connect` against real loopback listeners: an address literal, a name
// (through getaddrinfo, trying each address it gives: localhost may be ::1 first), and a port nobody listens on.

import Diagnostics
import Foundation
import Testing

@Suite("TCP connections for --adb-tcp")
struct TCPSocketTests {
    /// A listener on 127.0.0.1 on a free port; closed when the test ends.
    final class Listener {
        let fd: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            try #require(bound && listen(fd, 4) == 0)
            port = UInt16(bigEndian: address.sin_port)
        }

        /// Accepts one connection and returns the bytes it sent first.
        func acceptOne(count: Int) -> [UInt8] {
            let client = accept(fd, nil, nil)
            defer { close(client) }
            var buffer = [UInt8](repeating: 0, count: count)
            let n = recv(client, &buffer, count, Int32(MSG_WAITALL))
            return Array(buffer.prefix(max(0, n)))
        }

        deinit { close(fd) }
    }

    @Test("an IPv4 literal and a name both reach the listener, and the bytes arrive", arguments: ["127.0.0.1", "localhost"])
    func connects(host: String) throws {
        let listener = try Listener()
        let socket = try TCPSocket.connect(host: host, port: listener.port, timeout: .milliseconds(500))
        try socket.writeAll(Array("CNXN".utf8))
        #expect(listener.acceptOne(count: 4) == Array("CNXN".utf8))
    }

    @Test("a port nobody listens on fails with the system's reason, for a literal and for a name", arguments: ["127.0.0.1", "localhost"])
    func refused(host: String) throws {
        let port: UInt16 = try {
            let listener = try Listener()
            return listener.port
        }()
        let error = #expect(throws: TCPSocket.SocketError.self) {
            try TCPSocket.connect(host: host, port: port, timeout: .milliseconds(500))
        }
        #expect(error?.reason == String(cString: strerror(ECONNREFUSED)))
    }
}
