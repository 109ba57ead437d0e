// SPDX-License-Identifier: Apache-2.0
public import Diagnostics
import Foundation
public import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A simulated adbd: the device side of ADB, over TCP (as `adb tcpip` phones listen) or over any device-side
/// `ADBTransport` (the emulated USB bulk bridge). It answers `CNXN` and `AUTH` like AOSP adbd (token, signature
/// check against trusted keys, new key → prompt → accepted after a delay or never), serves `shell,v2`, `shell:`
/// and `exec:` streams from a device profile with a configurable start-up latency per shell, and can misbehave
/// on purpose for the tests.
public final class ADBDeviceSimulator: Sendable {
    public struct Configuration: Sendable {
        public var profile: ADBDeviceProfile
        /// Time each shell or exec stream takes to start, as a real phone's 20–60 ms.
        public var shellLatency: Duration
        public var auth: Auth
        public var misbehavior: Misbehavior
        /// What `reboot:` does (in evaluation mode, after `tradeinmode evaluate`, it is how the wipe happens).
        public var reboot: Reboot

        public init(
            profile: ADBDeviceProfile, shellLatency: Duration = .zero, auth: Auth = .trusting([]), misbehavior: Misbehavior = .none,
            reboot: Reboot = Reboot()
        ) {
            self.profile = profile
            self.shellLatency = shellLatency
            self.auth = auth
            self.misbehavior = misbehavior
            self.reboot = reboot
        }
    }

    /// A reboot: adbd goes away (TCP: nothing listens) for `delay`, then comes back unless `returns` is false. A
    /// phone whose wipe was armed by `tradeinmode evaluate` comes back in factory state: its profile as it was
    /// configured (the trade-in foyer of its setup wizard).
    public struct Reboot: Sendable, Hashable {
        public var delay: Duration
        public var returns: Bool
        public init(delay: Duration = .milliseconds(200), returns: Bool = true) {
            self.delay = delay
            self.returns = returns
        }
    }

    /// How the simulated phone treats host keys.
    public enum Auth: Sendable {
        /// No authorisation (`ro.adb.secure=0`, or trade-in mode).
        case disabled
        /// Keys in the list (public-key lines) are trusted; a new key shows the prompt, answered by `onNewKey`.
        case trusting([String], onNewKey: Prompt = .never)
    }

    /// What the consultant does with the "Allow USB debugging?" prompt.
    public enum Prompt: Sendable, Hashable {
        case allowAfter(Duration)
        case never
    }

    /// Ways to break the protocol, applied to the first stream the host opens (or to streams running a
    /// matching command).
    public enum Misbehavior: Sendable, Hashable {
        case none
        case malformedHeader
        case badMagic
        case wrongChecksum
        case oversizePayload
        /// Streams whose command contains this text send their output but never close.
        case streamNeverCloses(matching: String)
        /// The phone goes away after half the first answer.
        case disconnectMidCommand
        /// Each connection serves this many streams, then the phone drops it when the host opens the next one.
        case dropAfterStreams(Int)
    }

    /// The phone as it is now: `tradeinmode evaluate` and a reboot change it.
    public var configuration: Configuration { current.withLock { $0 } }
    private let current: Mutex<Configuration>
    /// The phone as configured: its factory state after an armed wipe.
    private let original: Configuration
    private let wipeArmed = Mutex(false)
    private let rebootCount = Mutex(0)
    /// How many times hosts rebooted the phone (`reboot:`).
    public var reboots: Int { rebootCount.withLock { $0 } }
    /// Where each handshake message and stream is logged at debug level; `nil` logs nothing.
    let logger: Logger?
    private let trusted: Mutex<Set<String>>
    /// The last key the "Allow USB debugging?" prompt showed and nobody answered yet, for `allowPromptedKey()`.
    private let prompted = Mutex<String?>(nil)
    private let sessions = Mutex<[ObjectIdentifier: ADBDeviceSession]>([:])
    private let listener: Mutex<Int32?> = Mutex(nil)
    private let opened = Mutex(0)
    /// How many streams hosts have opened on this phone so far (each costs a real phone a process start).
    public var streamsOpened: Int { opened.withLock { $0 } }
    private let live = Mutex((now: 0, peak: 0))
    /// The most streams that were open at one moment: a reader that asks everything in one round has them all open
    /// together while the phone is slow to answer; one that waits for an answer before the next never does.
    public var peakOpenStreams: Int { live.withLock { $0.peak } }
    private let requested = Mutex<[String]>([])
    /// Every service name hosts asked for, in order (`shell,v2,raw:getprop`...), refused ones too.
    public var servicesRequested: [String] { requested.withLock { $0 } }
    private let boundPort: Mutex<UInt16> = Mutex(0)
    /// The loopback TCP port, once `listen()` ran.
    public var port: UInt16 { boundPort.withLock { $0 } }

    public init(_ configuration: Configuration, logger: Logger? = nil) {
        current = Mutex(configuration)
        original = configuration
        self.logger = logger
        if case .trusting(let keys, _) = configuration.auth {
            trusted = Mutex(Set(keys.map(ADBKeyVerifier.keyID)))
        } else {
            trusted = Mutex([])
        }
    }

    deinit { stop() }

    /// Starts listening on `127.0.0.1` (port 0: a free one) and returns the port.
    @discardableResult
    public func listen(port requested: UInt16 = 0) throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SimulatorError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = requested.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SimulatorError("bind 127.0.0.1:\(requested): \(reason)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let actual = UInt16(bigEndian: addr.sin_port)
        boundPort.withLock { $0 = actual }
        listener.withLock { $0 = fd }
        let thread = Thread { [self] in acceptLoop(fd) }
        thread.name = "adbd-sim accept \(actual)"
        thread.start()
        return actual
    }

    /// Serves one host over an already-connected device-side transport (the emulated USB bridge), on a thread
    /// of its own, until it disconnects.
    public func serve(_ transport: any ADBTransport) {
        let session = ADBDeviceSession(simulator: self, transport: transport)
        sessions.withLock { $0[ObjectIdentifier(session)] = session }
        let thread = Thread { [self] in
            session.run()
            _ = sessions.withLock { $0.removeValue(forKey: ObjectIdentifier(session)) }
        }
        thread.name = "adbd-sim \(transport.endpoint)"
        thread.start()
    }

    /// Stops listening and drops every connection.
    public func stop() {
        // Only shut the listening socket down: the accept thread closes it when `accept` returns. Closing it here
        // would let the kernel reuse its number for another socket while that thread still accepts on it.
        if let fd = listener.withLock({ l -> Int32? in defer { l = nil }; return l }) {
            Glibc.shutdown(fd, Int32(SHUT_RDWR))
        }
        for session in sessions.withLock({ Array($0.values) }) { session.transport.close() }
    }

    /// Changes the phone (its profile, its shell latency, its prompt, its misbehaviour); streams opened afterwards
    /// see the change, open connections stay.
    public func update(_ body: (inout Configuration) -> Void) {
        current.withLock { body(&$0) }
    }

    /// Taps Allow on the "Allow USB debugging?" prompt: the key it shows is trusted from now on, and every host
    /// connection waiting on it goes online. Returns `false` when no prompt is showing.
    @discardableResult
    public func allowPromptedKey() -> Bool {
        guard let key = prompted.withLock({ k -> String? in defer { k = nil }; return k }) else { return false }
        trust(key)
        logger?.debug("Allow USB debugging tapped", metadata: ["adb.port": "\(port)"])
        for session in sessions.withLock({ Array($0.values) }) { session.keyAllowed(key) }
        return true
    }

    /// Whether the phone trusts a key now (after the prompt was accepted, too).
    public func isTrusted(_ publicKeyText: String) -> Bool {
        trusted.withLock { $0.contains(ADBKeyVerifier.keyID(publicKeyText)) }
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                Glibc.close(fd)
                return
            }
            if listener.withLock({ $0 == nil }) {
                Glibc.close(client)
                continue
            }
            serve(ADBTCPTransport(acceptedSocket: TCPSocket(fd: client), endpoint: "tcp-client-\(client)"))
        }
    }

    // MARK: - Trade-in evaluation and reboots

    /// `tradeinmode evaluate` succeeded (AOSP `TradeInModeService.enterEvaluationMode`): the wipe marker is written
    /// and `persist.adb.tradeinmode` becomes 2; adbd then restarts (``restartAdbd()``) without trade-in
    /// restrictions or authorisation.
    func enterEvaluationMode() {
        current.withLock { c in
            c.profile.tradeInMode = false
            c.profile.properties["persist.adb.tradeinmode"] = "2"
            c.auth = .disabled
        }
        wipeArmed.withLock { $0 = true }
    }

    /// `ctl.restart adbd`: every host connection drops; the port keeps listening.
    func restartAdbd() {
        for session in sessions.withLock({ Array($0.values) }) { session.transport.close() }
    }

    /// `reboot:`: every connection drops and nothing listens until the phone is back (after its wipe, when armed).
    func reboot() {
        rebootCount.withLock { $0 += 1 }
        let port = self.port
        let reboot = configuration.reboot
        stop()
        guard reboot.returns else { return }
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: reboot.delay.seconds)
            if wipeArmed.withLock({ armed in defer { armed = false }; return armed }) {
                current.withLock { $0 = original }
            }
            // The old listening socket closes on its accept thread: try the port again until it is free.
            for _ in 0..<100 {
                if (try? listen(port: port)) != nil { return }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        thread.name = "adbd-sim reboot \(port)"
        thread.start()
    }

    // MARK: - Used by sessions

    func countStream() {
        opened.withLock { $0 += 1 }
        live.withLock { count in
            count.now += 1
            count.peak = max(count.peak, count.now)
        }
    }

    func streamEnded() { live.withLock { $0.now -= 1 } }
    func record(service: String) {
        requested.withLock { $0.append(service) }
        logger?.debug("adb stream", metadata: ["adb.port": "\(port)", "adb.service": "\(service)"])
    }

    /// The prompt for `publicKeyText` was answered by the profile's own delay.
    func promptAnswered(_ publicKeyText: String) {
        prompted.withLock { if $0 == publicKeyText { $0 = nil } }
    }

    /// The prompt shows `publicKeyText` until someone answers it.
    func showPrompt(_ publicKeyText: String) {
        prompted.withLock { $0 = publicKeyText }
        logger?.debug("Allow USB debugging? prompt showing", metadata: ["adb.port": "\(port)"])
    }

    func trustedKeys() -> Set<String> { trusted.withLock { $0 } }

    func trust(_ publicKeyText: String) {
        _ = trusted.withLock { $0.insert(ADBKeyVerifier.keyID(publicKeyText)) }
    }

    public struct SimulatorError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = "The simulated adbd could not start (\(description))." }
    }
}
