// SPDX-License-Identifier: Apache-2.0
import Foundation
import Synchronization

/// A host-side ADB connection to one phone over any `ADBTransport`: the `CNXN`/`AUTH` handshake, then
/// several `OPEN`/`OKAY`/`WRTE`/`CLSE` streams at once.
///
/// One reader thread per connection reads every message and routes it to its stream's mailbox by local id;
/// writes go through one serial queue. A stream that stalls times out alone; a broken connection (malformed
/// header, bad magic, wrong checksum, oversize payload, unplug) fails every open stream with that error.
public final class ADBConnection: Sendable {
    /// Features this host announces (AOSP `adb/transport.cpp` `supported_features`, the subset we use).
    public static let hostFeatures = ["shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "apex", "abb", "abb_exec"]

    public let banner: ADBBanner
    /// The protocol version the device answered with.
    public let protocolVersion: UInt32
    /// The negotiated maximum payload.
    public let maxPayload: Int
    public var endpoint: String { link.transport.endpoint }
    /// True when the device announced `shell_v2`: stdout, stderr and the exit code come framed.
    public var hasShellV2: Bool { banner.features.contains("shell_v2") }

    private let link: ADBLink

    private init(link: ADBLink, banner: ADBBanner, version: UInt32, maxPayload: Int) {
        self.link = link
        self.banner = banner
        self.protocolVersion = version
        self.maxPayload = maxPayload
    }

    deinit { link.close() }

    /// Timeouts of the handshake.
    public struct HandshakeTimeouts: Sendable {
        /// How long the phone may take to answer each handshake message.
        public var answer: Duration
        /// How long to wait for the consultant to tap Allow once the phone shows the prompt.
        public var allow: Duration
        public init(answer: Duration = .seconds(5), allow: Duration = .seconds(60)) {
            self.answer = answer
            self.allow = allow
        }
    }

    /// Connects: sends `CNXN`, answers `AUTH` tokens with `key`'s signature, and when the phone does not know
    /// the key sends the public key and calls `onAwaitingAllow` (the phone now shows "Allow USB debugging?"),
    /// then waits up to `timeouts.allow` for the `CNXN` that follows the tap. Throws a ``DiagnosticsError``
    /// (`.notTrusted` when no one allows in time) with the engine's ``ADBError`` as its `underlying`.
    public static func connect(
        over transport: any ADBTransport, key: ADBKey, timeouts: HandshakeTimeouts = HandshakeTimeouts(),
        onAwaitingAllow: @Sendable () -> Void = {}
    ) async throws -> ADBConnection {
        do {
            return try await handshake(over: transport, key: key, timeouts: timeouts, onAwaitingAllow: onAwaitingAllow)
        } catch {
            throw DiagnosticsError.leavingADB(error)
        }
    }

    private static func handshake(
        over transport: any ADBTransport, key: ADBKey, timeouts: HandshakeTimeouts, onAwaitingAllow: @Sendable () -> Void
    ) async throws -> ADBConnection {
        let link = ADBLink(transport: transport)
        link.start()
        do {
            let hello = "host::features=" + hostFeatures.joined(separator: ",")
            try await link.send(ADBPacket(.cnxn, ADBProtocol.versionSkipChecksum, UInt32(ADBProtocol.maxPayload), Array(hello.utf8)))
            var signed = false
            var sentKey = false
            while true {
                let wait = sentKey ? timeouts.allow : timeouts.answer
                let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
                let timeoutError: ADBError = sentKey ? .unauthorized : .timedOut(what: "the ADB handshake", seconds: seconds)
                guard let packet = try await link.control.next(until: .now + wait, timeout: timeoutError) else {
                    throw ADBError.disconnected
                }
                switch packet.command {
                case .cnxn:
                    let version = min(packet.arg0, ADBProtocol.versionSkipChecksum)
                    let maxPayload = min(Int(packet.arg1), ADBProtocol.maxPayload)
                    return ADBConnection(link: link, banner: ADBBanner(parsing: packet.payload), version: version, maxPayload: maxPayload)
                case .auth where packet.arg0 == ADBProtocol.authToken:
                    guard packet.payload.count == ADBProtocol.tokenSize else {
                        throw ADBError.protocolViolation("an AUTH token of \(packet.payload.count) bytes instead of 20")
                    }
                    if !signed {
                        signed = true
                        try await link.send(ADBPacket(.auth, ADBProtocol.authSignature, 0, try key.sign(token: packet.payload)))
                    } else if !sentKey {
                        sentKey = true
                        try await link.send(ADBPacket(.auth, ADBProtocol.authRSAPublicKey, 0, Array(key.publicKeyText.utf8) + [0]))
                        onAwaitingAllow()
                    }
                // Later tokens (the phone re-asking while its prompt shows) need no answer: the public key is sent.
                case .stls:
                    throw ADBError.protocolViolation("the phone asked for TLS, which wireless debugging needs and this bench does not do")
                default:
                    throw ADBError.protocolViolation("\(packet.command) during the handshake")
                }
            }
        } catch {
            link.close()
            throw error
        }
    }

    /// Opens `service` (`shell,v2,raw:getprop`, `exec:cat x`...) and returns all it writes until it closes.
    /// Throws a ``DiagnosticsError`` (`.refused`, `.timedOut`, `.deviceGone`...).
    public func read(service: String, timeout: Duration) async throws -> [UInt8] {
        do {
            return try await link.read(service: service, timeout: timeout, maxPayload: maxPayload)
        } catch {
            throw DiagnosticsError.leavingADB(error)
        }
    }

    /// Runs one shell command, with `shell,v2` framing when the phone has it, and the old `shell:` (no stderr, no
    /// exit code) when not.
    public func shell(_ command: String, timeout: Duration = .seconds(10)) async throws -> ADBShellResult {
        if hasShellV2 {
            let bytes = try await read(service: "shell,v2,raw:" + command, timeout: timeout)
            do throws(ADBError) {
                return try ADBShellResult(decodingV2: bytes)
            } catch {
                throw DiagnosticsError(error)
            }
        }
        let bytes = try await read(service: "shell:" + command, timeout: timeout)
        return ADBShellResult(stdout: bytes, stderr: [], exitCode: nil)
    }

    /// Ends the connection; streams still open fail with `DiagnosticsError.Code.deviceGone`.
    public func close() { link.close() }
}

/// The reader thread, the writer queue and the stream table of one connection.
final class ADBLink: Sendable {
    enum StreamEvent: Sendable {
        case ready(remoteID: UInt32)
        case data([UInt8])
    }

    private struct State {
        var streams: [UInt32: ADBMailbox<StreamEvent>] = [:]
        var nextLocalID: UInt32 = 1
        var version = ADBProtocol.versionMin
        var limit = ADBProtocol.maxPayload
        var failure: ADBError?
    }

    let transport: any ADBTransport
    let control = ADBMailbox<ADBPacket>()
    private let state = Mutex(State())
    private let writer = DispatchQueue(label: "intake.adb.writer")

    init(transport: any ADBTransport) {
        self.transport = transport
    }

    func start() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "adb-reader \(transport.endpoint)"
        thread.start()
    }

    func close() {
        fail(.disconnected)
        // A USB transport waits for its transfer in flight before it lets go of the interface: do that on the
        // writer queue, never on the caller's (often the cooperative pool's) thread.
        writer.async { [transport] in transport.close() }
    }

    func send(_ packet: ADBPacket) async throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            writer.async { [transport] in
                do throws(ADBError) {
                    try transport.write(packet)
                    c.resume()
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }

    /// Sends without waiting (acknowledgements from the reader thread).
    private func post(_ packet: ADBPacket) {
        writer.async { [transport] in try? transport.write(packet) }
    }

    // MARK: - Streams

    func read(service: String, timeout: Duration, maxPayload: Int) async throws -> [UInt8] {
        let mailbox = ADBMailbox<StreamEvent>()
        let localID = try state.withLock { s throws(ADBError) -> UInt32 in
            if let failure = s.failure { throw failure }
            let id = s.nextLocalID
            s.nextLocalID = s.nextLocalID == UInt32.max ? 1 : s.nextLocalID + 1
            s.streams[id] = mailbox
            return id
        }
        var remoteID: UInt32?
        defer {
            let wasOpen = state.withLock { $0.streams.removeValue(forKey: localID) != nil }
            // Abandoned (timeout, cancellation) while the phone still holds it open: tell the phone.
            if wasOpen, let remoteID { post(ADBPacket(.clse, localID, remoteID)) }
        }
        let name = service.split(separator: ":", maxSplits: 1).last.map(String.init) ?? service
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        let deadline = ContinuousClock.now + timeout
        let serviceBytes = Array(service.utf8) + [0]
        guard serviceBytes.count <= maxPayload else {
            throw ADBError.protocolViolation("a command of \(serviceBytes.count) bytes, over the phone's maximum of \(maxPayload)")
        }
        try await send(ADBPacket(.open, localID, 0, serviceBytes))
        var output: [UInt8] = []
        while let event = try await mailbox.next(until: deadline, timeout: ADBError.timedOut(what: "`\(name)`", seconds: seconds)) {
            switch event {
            case .ready(let id): remoteID = id
            case .data(let bytes): output += bytes
            }
        }
        guard remoteID != nil else { throw ADBError.serviceRefused(name) }
        return output
    }

    // MARK: - Reader thread

    private func readLoop() {
        do throws(ADBError) {
            while true {
                let (version, limit) = state.withLock { ($0.version, $0.limit) }
                let header = try ADBHeader(decoding: try transport.readHeader(), maxPayload: limit)
                let payload = try transport.readPayload(count: Int(header.length))
                let packet = try header.packet(payload: payload, verifyChecksum: version < ADBProtocol.versionSkipChecksum)
                try route(packet)
            }
        } catch {
            fail(error)
            transport.close()
        }
    }

    private func route(_ packet: ADBPacket) throws(ADBError) {
        switch packet.command {
        case .cnxn:
            state.withLock { s in
                s.version = min(packet.arg0, ADBProtocol.versionSkipChecksum)
                s.limit = min(Int(packet.arg1), ADBProtocol.maxPayload)
            }
            control.put(packet)
        case .auth, .stls:
            control.put(packet)
        case .okay:
            stream(packet.arg1)?.put(.ready(remoteID: packet.arg0))
        case .wrte:
            if let mailbox = stream(packet.arg1) {
                mailbox.put(.data(packet.payload))
                post(ADBPacket(.okay, packet.arg1, packet.arg0))
            } else {
                post(ADBPacket(.clse, 0, packet.arg0))
            }
        case .clse:
            let mailbox = state.withLock { $0.streams.removeValue(forKey: packet.arg1) }
            mailbox?.finish()
        case .open:
            // Reverse connections are not ours to serve.
            post(ADBPacket(.clse, 0, packet.arg0))
        case .sync:
            throw .protocolViolation("an unexpected SYNC message")
        }
    }

    private func stream(_ localID: UInt32) -> ADBMailbox<StreamEvent>? {
        state.withLock { $0.streams[localID] }
    }

    private func fail(_ error: ADBError) {
        let mailboxes = state.withLock { s -> [ADBMailbox<StreamEvent>] in
            if s.failure == nil { s.failure = error }
            defer { s.streams.removeAll() }
            return Array(s.streams.values)
        }
        for m in mailboxes { m.finish(throwing: error) }
        control.finish(throwing: error)
    }
}
