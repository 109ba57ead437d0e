// SPDX-License-Identifier: Apache-2.0
import COpenSSL
import Diagnostics
import Foundation
import Synchronization

/// One host connection to the simulated adbd: the handshake, then the streams the host opens, each served on a
/// thread of its own so one slow shell never delays another (as adbd's fdevent loop with subprocesses does).
final class ADBDeviceSession: Sendable {
    let transport: any ADBTransport
    private let simulator: ADBDeviceSimulator
    private var configuration: ADBDeviceSimulator.Configuration { simulator.configuration }

    private struct Stream {
        var hostID: UInt32
        var acks: Int = 0
        var closed = false
    }

    private struct State {
        var hostVersion = ADBProtocol.versionMin
        var hostMaxPayload = ADBProtocol.maxPayloadV1
        var online = false
        var token: [UInt8] = []
        var promptShown = false
        var streams: [UInt32: Stream] = [:]
        var nextID: UInt32 = 1
        var misbehaved = false
        /// The key the prompt shows for this connection, until Allow is tapped.
        var pendingKey: String?
    }

    private let state = Mutex(State())
    private let writeLock = Mutex(())
    private let ackSignal = NSCondition()

    init(simulator: ADBDeviceSimulator, transport: any ADBTransport) {
        self.simulator = simulator
        self.transport = transport
    }

    private var profile: ADBDeviceProfile { configuration.profile }
    /// What this device announces in CNXN (an old-protocol device under `.wrongChecksum`, so the host checks).
    private var announcedVersion: UInt32 {
        configuration.misbehavior == .wrongChecksum ? ADBProtocol.versionMin : profile.protocolVersion
    }

    // MARK: - Reading

    func run() {
        defer {
            transport.close()
            ackSignal.lock()
            state.withLock { s in for key in s.streams.keys { s.streams[key]?.closed = true } }
            ackSignal.broadcast()
            ackSignal.unlock()
        }
        do throws(ADBError) {
            while true {
                let version = state.withLock { $0.hostVersion }
                let header = try ADBHeader(decoding: try transport.readHeader(), maxPayload: profile.maxPayload)
                let payload = try transport.readPayload(count: Int(header.length))
                let packet = try header.packet(
                    payload: payload, verifyChecksum: version < ADBProtocol.versionSkipChecksum && header.checksum != 0)
                handle(packet)
            }
        } catch {
            return
        }
    }

    private func handle(_ packet: ADBPacket) {
        if packet.command == .cnxn || packet.command == .auth {
            simulator.logger?.debug(
                "adb handshake", metadata: ["adb.port": "\(simulator.port)", "adb.command": "\(packet.command)", "adb.arg0": "\(packet.arg0)"])
        }
        switch packet.command {
        case .cnxn:
            state.withLock { s in
                s.hostVersion = packet.arg0
                s.hostMaxPayload = Int(packet.arg1)
                s.online = false
            }
            if case .disabled = configuration.auth {
                sendConnect()
            } else {
                sendToken()
            }
        case .auth:
            handleAuth(packet)
        case .open:
            guard state.withLock({ $0.online }) else { return }
            var name = String(decoding: packet.payload, as: UTF8.self)
            while name.hasSuffix("\0") { name.removeLast() }
            if case .dropAfterStreams(let allowed) = configuration.misbehavior, state.withLock({ Int($0.nextID) > allowed }) {
                simulator.logger?.debug("dropping the connection (fault: drop after \(allowed) streams)", metadata: ["adb.service": "\(name)"])
                transport.close()
                return
            }
            let id = state.withLock { s -> UInt32 in
                let id = s.nextID
                s.nextID += 1
                s.streams[id] = Stream(hostID: packet.arg0)
                return id
            }
            let service = name
            simulator.countStream()
            simulator.record(service: service)
            let thread = Thread { [self] in serveStream(id, hostID: packet.arg0, service: service) }
            thread.start()
        case .okay:
            ackSignal.lock()
            state.withLock { s in s.streams[packet.arg1]?.acks += 1 }
            ackSignal.broadcast()
            ackSignal.unlock()
        case .wrte:
            // Stdin for a shell: acknowledged and dropped (the read never writes to a shell).
            send(ADBPacket(.okay, packet.arg1, packet.arg0))
        case .clse:
            ackSignal.lock()
            state.withLock { s in s.streams[packet.arg1]?.closed = true }
            ackSignal.broadcast()
            ackSignal.unlock()
        case .sync, .stls:
            break
        }
    }

    // MARK: - Authorisation

    private func sendToken() {
        var token = [UInt8](repeating: 0, count: ADBProtocol.tokenSize)
        for i in token.indices { token[i] = UInt8.random(in: 0...255) }
        state.withLock { $0.token = token }
        send(ADBPacket(.auth, ADBProtocol.authToken, 0, token))
    }

    private func handleAuth(_ packet: ADBPacket) {
        guard case .trusting(_, let prompt) = configuration.auth else { return }
        switch packet.arg0 {
        case ADBProtocol.authSignature:
            let token = state.withLock { $0.token }
            let ok = simulator.trustedKeys().contains { key in
                ADBKeyVerifier.verify(signature: packet.payload, token: token, publicKeyText: key)
            }
            if ok { sendConnect() } else { sendToken() }
        case ADBProtocol.authRSAPublicKey:
            var key = String(decoding: packet.payload, as: UTF8.self)
            while key.hasSuffix("\0") { key.removeLast() }
            guard let decoded = ADBKeyVerifier.decode(key) else { return }
            EVP_PKEY_free(decoded)
            let acceptedKey = key
            let first = state.withLock { s -> Bool in
                defer { s.promptShown = true }
                return !s.promptShown
            }
            guard first else { return }
            state.withLock { $0.pendingKey = acceptedKey }
            simulator.showPrompt(acceptedKey)
            guard case .allowAfter(let delay) = prompt else { return }
            let thread = Thread { [self] in
                Thread.sleep(forTimeInterval: delay.seconds)
                simulator.trust(acceptedKey)
                simulator.promptAnswered(acceptedKey)
                keyAllowed(acceptedKey)
            }
            thread.start()
        default:
            break
        }
    }

    /// Allow was tapped for `key`: a connection waiting on it goes online.
    func keyAllowed(_ key: String) {
        let waiting = state.withLock { s -> Bool in
            guard s.pendingKey == key, !s.online else { return false }
            s.pendingKey = nil
            return true
        }
        if waiting { sendConnect() }
    }

    private func sendConnect() {
        state.withLock { $0.online = true }
        send(ADBPacket(.cnxn, announcedVersion, UInt32(profile.maxPayload), Array(profile.bannerText.utf8)))
    }

    // MARK: - Streams

    private func serveStream(_ id: UInt32, hostID: UInt32, service: String) {
        defer {
            _ = state.withLock { $0.streams.removeValue(forKey: id) }
            simulator.streamEnded()
        }
        guard let output = answer(service) else {
            send(ADBPacket(.clse, 0, hostID))
            return
        }
        send(ADBPacket(.okay, id, hostID))
        // TradeInModeService sets the property before `tradeinmode evaluate` exits; adbd restarts after.
        let evaluating = Self.isEvaluate(service) && profile.tradeInMode && !Self.frpActive(profile)
        if evaluating { simulator.enterEvaluationMode() }
        if configuration.shellLatency > .zero { Thread.sleep(forTimeInterval: configuration.shellLatency.seconds) }

        let misbehavior = claimMisbehavior(for: service)
        let limit = state.withLock { min($0.hostMaxPayload, profile.maxPayload) }
        switch misbehavior {
        case .malformedHeader:
            var header = ADBPacket(.wrte, id, hostID, Array(output.prefix(16))).encodedHeader()
            header.replaceSubrange(0..<4, with: [0x4b, 0x4b, 0x4b, 0x4b])
            header.replaceSubrange(20..<24, with: [0xb4, 0xb4, 0xb4, 0xb4])
            sendRaw(header: header, payload: Array(output.prefix(16)))
            return
        case .badMagic:
            var header = ADBPacket(.wrte, id, hostID, Array(output.prefix(16))).encodedHeader()
            header[20] ^= 0xff
            sendRaw(header: header, payload: Array(output.prefix(16)))
            return
        case .wrongChecksum:
            var header = ADBPacket(.wrte, id, hostID, Array(output.prefix(16))).encodedHeader()
            header[16] &+= 1
            sendRaw(header: header, payload: Array(output.prefix(16)))
            return
        case .oversizePayload:
            let big = [UInt8](repeating: 0x41, count: limit + 1)
            sendRaw(header: ADBPacket(.wrte, id, hostID, big).encodedHeader(), payload: big)
            return
        case .disconnectMidCommand:
            send(ADBPacket(.wrte, id, hostID, Array(output.prefix(max(1, output.count / 2)))))
            transport.close()
            return
        default:
            break
        }
        var offset = 0
        while offset < output.count {
            let chunk = Array(output[offset..<min(output.count, offset + limit)])
            offset += chunk.count
            send(ADBPacket(.wrte, id, hostID, chunk))
            guard waitForAck(id) else { return }
        }
        if case .streamNeverCloses = misbehavior { return }
        send(ADBPacket(.clse, id, hostID))
        if service == "reboot:" {
            simulator.reboot()
        } else if evaluating {
            simulator.restartAdbd()
        }
    }

    /// `shell...:tradeinmode evaluate`.
    static func isEvaluate(_ service: String) -> Bool {
        guard let colon = service.firstIndex(of: ":"), service[..<colon].hasPrefix("shell") else { return false }
        return service[service.index(after: colon)...].split(separator: " ") == ["tradeinmode", "evaluate"]
    }

    /// FRP as the profile's `tradeinmode getstatus` reports it.
    static func frpActive(_ profile: ADBDeviceProfile) -> Bool {
        profile.commands["tradeinmode getstatus"].flatMap { AndroidParsers.tradeInStatus($0.stdout) }?.frpActive == true
    }

    /// Waits for the host's OKAY to our last WRTE (ADB flow control); false when the stream or session closed.
    private func waitForAck(_ id: UInt32) -> Bool {
        ackSignal.lock()
        defer { ackSignal.unlock() }
        let deadline = Date().addingTimeInterval(30)
        while true {
            let (acks, closed) = state.withLock { s in (s.streams[id]?.acks ?? 0, s.streams[id]?.closed ?? true) }
            if acks > 0 {
                state.withLock { s in s.streams[id]?.acks -= 1 }
                return true
            }
            if closed || !ackSignal.wait(until: deadline) { return false }
        }
    }

    /// The misbehaviour this stream plays, if any: protocol-breaking ones on the first stream only.
    private func claimMisbehavior(for service: String) -> ADBDeviceSimulator.Misbehavior {
        switch configuration.misbehavior {
        case .none: return .none
        case .streamNeverCloses(let text): return service.contains(text) ? configuration.misbehavior : .none
        default:
            let first = state.withLock { s -> Bool in
                defer { s.misbehaved = true }
                return !s.misbehaved
            }
            return first ? configuration.misbehavior : .none
        }
    }

    /// The bytes a service writes, or `nil` to refuse it (CLSE without OKAY, as adbd does for unknown services).
    private func answer(_ service: String) -> [UInt8]? {
        // adbd in trade-in mode refuses every service but `shell...:tradeinmode` with simple arguments
        // (`daemon_service_to_fd` → `allow_tradeinmode_command`, AOSP packages/modules/adb daemon/tradeinmode.cpp).
        if profile.tradeInMode && !Self.allowedInTradeInMode(service) { return nil }
        let shell = SimulatedShell(profile: profile)
        func command(after prefix: String) -> String? {
            service.hasPrefix(prefix) ? String(service.dropFirst(prefix.count)) : nil
        }
        if let cmd = command(after: "shell,v2,raw:") ?? command(after: "shell,v2:") ?? command(after: "shell,v2,pty:") {
            let r = shell.run(cmd)
            var out: [UInt8] = []
            if !r.stdout.isEmpty { out += ADBShellResult.frame(.stdout, r.stdout) }
            if !r.stderr.isEmpty { out += ADBShellResult.frame(.stderr, r.stderr) }
            return out + ADBShellResult.frame(.exit, [r.exitCode])
        }
        if let cmd = command(after: "shell:") ?? command(after: "shell,raw:") {
            guard !(service.hasPrefix("shell,") && !profile.features.contains("shell_v2")) else { return nil }
            let r = shell.run(cmd)
            let merged = r.stdout + r.stderr
            guard profile.ptyLineEndings, service.hasPrefix("shell:") else { return merged }
            return merged.flatMap { $0 == 0x0a ? [0x0d, 0x0a] : [$0] }
        }
        if let cmd = command(after: "exec:") {
            return shell.run(cmd).stdout
        }
        if service == "reboot:" { return [] }
        return nil
    }

    /// AOSP's pattern, `shell[^:]*:tradeinmode(\\s*|\\s[A-Za-z0-9_\\-\\s]*)`, matched against the whole service name.
    static func allowedInTradeInMode(_ service: String) -> Bool {
        guard let colon = service.firstIndex(of: ":"), service[..<colon].hasPrefix("shell") else { return false }
        let command = service[service.index(after: colon)...]
        guard command.hasPrefix("tradeinmode") else { return false }
        let rest = command.dropFirst("tradeinmode".count)
        guard let first = rest.first else { return true }
        let simple = rest.allSatisfy { $0.isWhitespace || ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "-" }
        return first.isWhitespace && simple
    }

    // MARK: - Writing

    private func send(_ packet: ADBPacket) {
        writeLock.withLock { _ in try? transport.write(packet) }
    }

    private func sendRaw(header: [UInt8], payload: [UInt8]) {
        writeLock.withLock { _ in try? transport.write(header: header, payload: payload) }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
