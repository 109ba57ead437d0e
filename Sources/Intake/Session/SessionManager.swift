// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging

/// The sessions on one bench, one per device, as the daemon and (later) the web console see them: device events
/// in, updates out, answers in. A device unplugged before its certificate cancels its session; plugged in again
/// it gets a new read with the answers already given kept.
public actor SessionManager {
    public struct Summary: Sendable, Hashable, Codable {
        public var session: String
        public var device: String
        public var state: SessionState
    }

    private struct Entry {
        var session: IntakeSession
        var task: Task<IntakeOutcome, Never>?
        var answers: IntakeAnswers
        var waiting: CheckedContinuation<IntakeAnswers?, Never>?
        var lastState: SessionState = .detected
    }

    private let context: IntakeContext
    private let logger: Logger
    private var entries: [String: Entry] = [:]  // by device key (serial, UDID, port path)
    private var bySession: [String: String] = [:]
    private let continuation: AsyncStream<SessionUpdate>.Continuation
    /// Every update of every session, in order, for the console and the log.
    public nonisolated let updates: AsyncStream<SessionUpdate>
    /// Answers every new session starts with (the store's defaults: store, consultant).
    private let defaults: IntakeAnswers
    /// Updates in the order sessions emit them, applied to `entries` by one task.
    private let ordered: AsyncStream<(String, SessionUpdate)>.Continuation

    public init(context: IntakeContext, defaults: IntakeAnswers = IntakeAnswers(), logger: Logger) {
        self.context = context
        self.defaults = defaults
        self.logger = logger
        (updates, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let (stream, ordered) = AsyncStream.makeStream(of: (String, SessionUpdate).self)
        self.ordered = ordered
        Task { await self.consume(stream) }
    }

    private func consume(_ stream: AsyncStream<(String, SessionUpdate)>) async {
        for await (key, update) in stream { observed(update, key: key) }
    }

    /// A device arrived (or came back). `key` identifies it across replugs: the USB serial, the UDID.
    @discardableResult
    public func deviceArrived(key: String, reader: any DeviceReading) -> String {
        if let entry = entries[key] {
            let state = entry.lastState
            // Still live, or done with a certificate: a repeated arrival changes nothing.
            if (!state.isFinal && state != .cancelled) || state.holdsCertificate { return entry.session.id }
        }
        let kept = entries[key]?.answers ?? defaults
        let session = IntakeSession(source: .device(reader), context: context)
        start(session, key: key, answers: kept)
        return session.id
    }

    /// A device with no data link (AirPods, Watch, MacBook), started by its serial number.
    @discardableResult
    public func startManual(answers: IntakeAnswers) -> String {
        let key = "manual:" + (answers.device?.serial ?? UUID().uuidString)
        let session = IntakeSession(source: .manual, context: context)
        start(session, key: key, answers: answers)
        return session.id
    }

    public func deviceLeft(key: String) async {
        guard let entry = entries[key] else { return }
        await entry.session.unplugged()
        // A session waiting for answers stops waiting: it is cancelled until the device comes back.
        if let waiting = entry.waiting, !(await entry.session.state.holdsCertificate) {
            entries[key]?.waiting = nil
            waiting.resume(returning: nil)
        }
    }

    /// Answers from the console or the spool directory for a session waiting for them. Returns false when no
    /// session by that id (or device serial) exists.
    @discardableResult
    public func submit(_ answers: IntakeAnswers, to sessionOrDevice: String) -> Bool {
        guard let key = bySession[sessionOrDevice] ?? (entries[sessionOrDevice] != nil ? sessionOrDevice : nil) else {
            return false
        }
        entries[key]?.answers = answers
        if let waiting = entries[key]?.waiting {
            entries[key]?.waiting = nil
            waiting.resume(returning: answers)
        }
        return true
    }

    public func summaries() -> [Summary] {
        entries.map { Summary(session: $0.value.session.id, device: $0.key, state: $0.value.lastState) }
            .sorted { $0.session < $1.session }
    }

    /// Graceful shutdown: sessions waiting for answers stop; sessions issuing finish their transaction.
    public func shutdown() async {
        for key in entries.keys {
            if let waiting = entries[key]?.waiting {
                entries[key]?.waiting = nil
                waiting.resume(returning: nil)
            }
        }
        for entry in entries.values { _ = await entry.task?.value }
        ordered.finish()
        continuation.finish()
    }

    // MARK: - Private

    private func start(_ session: IntakeSession, key: String, answers: IntakeAnswers) {
        bySession[session.id] = key
        entries[key] = Entry(session: session, task: nil, answers: answers)
        let task = Task { [weak self, ordered] in
            await session.run(
                answers: answers,
                ask: { [weak self] _, current in await self?.waitForAnswers(key: key, current: current) },
                observe: { [ordered] update in ordered.yield((key, update)) })
        }
        entries[key]?.task = task
        logger.info("session started", metadata: ["session": "\(session.id)", "device": "\(key)"])
    }

    private func waitForAnswers(key: String, current: IntakeAnswers) async -> IntakeAnswers? {
        if let stored = entries[key]?.answers, stored != current { return stored }
        return await withCheckedContinuation { continuation in
            entries[key]?.waiting = continuation
        }
    }

    private func observed(_ update: SessionUpdate, key: String) {
        entries[key]?.lastState = update.state
        continuation.yield(update)
        logger.info(
            "\(update.message)",
            metadata: ["session": "\(update.session)", "device": "\(key)", "state": "\(update.state.rawValue)", "event": "\(update.event)"])
    }
}
