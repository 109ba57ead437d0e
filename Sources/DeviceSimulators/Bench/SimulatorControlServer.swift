// SPDX-License-Identifier: Apache-2.0
//
// The bench's side of the control socket (SimulatorControl.swift): one thread per client, one reply per line.

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

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
