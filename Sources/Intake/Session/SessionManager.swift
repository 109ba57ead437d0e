// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging
import IntakeStore
import Synchronization

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
        var answers: IntakeAnswers
        var message: String?
        var updatedAt = Date()
        /// The manager's change counter when this entry last changed (see ``SessionView/revision``).
        var revision = 0
        var waiting: CheckedContinuation<IntakeAnswers?, Never>?
        var lastState: SessionState = .detected
        var erasure: SessionView.Erasure?
    }

    private let context: IntakeContext
    private let logger: Logger
    private var entries: [String: Entry] = [:]  // by device key (serial, UDID, port path)
    /// Counts every change of any session, so a view can be told older than another one.
    private var revision = 0
    private var bySession: [String: String] = [:]
    private let continuation: AsyncStream<SessionUpdate>.Continuation
    /// Every update of every session, in order, for the console and the log.
    public nonisolated let updates: AsyncStream<SessionUpdate>
    /// Answers every new session starts with (the store's defaults: store, consultant).
    private let defaults: IntakeAnswers
    /// Updates in the order sessions emit them, applied to `entries` by one task.
    private let ordered: AsyncStream<(String, SessionUpdate)>.Continuation
    /// Sessions to start, taken by the task group that runs them: every session is a child task of the manager's
    /// own task, so cancelling it (the service group's escalation) cancels every session.
    private let starts: AsyncStream<Start>.Continuation
    /// The manager's task: the session group and the consumer of their updates. `run()` waits for it.
    private let owner = OwnerTask()
    /// Once set, no session starts and a session asking for answers gets none: it stops where it is.
    private var shuttingDown = false
    /// Erasures running, by device key: the shutdown interrupts them and waits until each is recorded.
    private var erasing: [String: Task<Void, Never>] = [:]

    private struct Start: Sendable {
        let session: IntakeSession
        let key: String
        let answers: IntakeAnswers
    }

    /// The station's printer, when one is configured: a session's slip is printed the moment its certificate
    /// is issued, and the session moves to `printed`.
    private let printer: StationPrinter?

    public init(context: IntakeContext, defaults: IntakeAnswers = IntakeAnswers(), printer: StationPrinter? = nil, logger: Logger) {
        self.context = context
        self.printer = printer
        self.defaults = defaults
        self.logger = logger
        // Nobody may read `updates` (the daemon does not): the buffer keeps the newest thousand, not every one.
        let (updates, continuation) = AsyncStream.makeStream(of: SessionUpdate.self, bufferingPolicy: .bufferingNewest(1_000))
        (self.updates, self.continuation) = (updates, continuation)
        let (stream, ordered) = AsyncStream.makeStream(of: (String, SessionUpdate).self)
        self.ordered = ordered
        let (startStream, starts) = AsyncStream.makeStream(of: Start.self)
        self.starts = starts
        let owner = self.owner
        owner.set(Task { await self.own(startStream, updates: stream, ordered: ordered, continuation: continuation) })
    }

    /// Runs every session as a child task of one group, beside the child that applies their updates in order.
    /// It ends when `beginShutdown()` has closed the start stream and every session has returned.
    private func own(
        _ startStream: AsyncStream<Start>, updates stream: AsyncStream<(String, SessionUpdate)>,
        ordered: AsyncStream<(String, SessionUpdate)>.Continuation, continuation: AsyncStream<SessionUpdate>.Continuation
    ) async {
        await withDiscardingTaskGroup { outer in
            outer.addTask {
                for await (key, update) in stream { await self.observed(update, key: key) }
            }
            await withDiscardingTaskGroup { sessions in
                for await start in startStream {
                    // The session keeps `observe` for its life: it may capture the key, never `start`, which holds
                    // the session itself (a cycle that kept every session of a long-running bench in memory).
                    let key = start.key
                    sessions.addTask {
                        let outcome = await start.session.run(
                            answers: start.answers,
                            ask: { _, current in await self.waitForAnswers(key: key, current: current) },
                            observe: { update in ordered.yield((key, update)) })
                        if let certificate = outcome.certificate { await self.printSlip(certificate, session: start.session) }
                    }
                }
            }
            // Every session has returned: the consumer drains what they said, then ends.
            ordered.finish()
        }
        continuation.finish()
        views.finish()
    }

    /// Waits until the manager has shut down and every session has returned (the daemon's session service runs
    /// this). Cancelling the caller cancels every session.
    public func run() async {
        let task = owner.task
        await withTaskCancellationHandler {
            await task?.value
        } onCancel: {
            task?.cancel()
        }
        // An erasure still waiting for its device is interrupted and recorded as it stands, never lost.
        for erasure in erasing.values {
            erasure.cancel()
            await erasure.value
        }
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
        guard !(await entry.session.state.holdsCertificate) else { return }
        // A session waiting for answers stops waiting: it is cancelled until the device comes back. The entry is
        // read again after the awaits: shutdown (or an answer) may have resumed the waiter meanwhile, and a
        // continuation is resumed exactly once.
        stopWaiting(key: key)
    }

    /// What became of answers handed to `submit`.
    public enum Submission: Sendable, Equatable {
        /// Merged into the session's answers; a session waiting for them goes on.
        case delivered(session: String)
        /// No session by that id or device key (yet): keep the answers for when the device arrives.
        case noSession
        /// Refused, nothing applied, the session still waiting: each field at fault with one sentence.
        case refused([Problem])
        /// The session is over (certificate issued, refused, declined, cancelled): nothing applied.
        case finished(SessionState)
    }

    public struct Problem: Sendable, Equatable {
        public var field: String
        public var sentence: String
    }

    /// Forgets the ended session of `key` (certified, refused, declined or cancelled), so that the next arrival
    /// there starts a new one: for a bench slot whose phone cannot be told apart from the next (an `adb tcpip`
    /// endpoint), where the same key is not the same phone.
    public func forgetEnded(key: String) async {
        guard let entry = entries[key], entry.waiting == nil else { return }
        let state = await entry.session.state
        guard state.isFinal || state.holdsCertificate else { return }
        entries[key] = nil
        bySession[entry.session.id] = nil
    }

    /// Answers from the console or the spool directory, merged into what the session already has. A bad field
    /// (a wrong IIN, an age outside the program's range) refuses the whole submission and leaves the session as
    /// it was, so the answers can be corrected and sent again without unplugging the phone.
    @discardableResult
    public func submit(_ answers: IntakeAnswers, to sessionOrDevice: String) -> Submission {
        guard let key = bySession[sessionOrDevice] ?? (entries[sessionOrDevice] != nil ? sessionOrDevice : nil),
            let entry = entries[key]
        else {
            return .noSession
        }
        // A cancelled session (the phone was unplugged) keeps answers for when it comes back; an ended one takes none.
        if (entry.lastState.isFinal && entry.lastState != .cancelled) || entry.lastState.holdsCertificate {
            return .finished(entry.lastState)
        }
        let problems = answers.problems(on: context.today())
        guard problems.isEmpty else {
            return .refused(problems.map { Problem(field: $0.field, sentence: $0.sentence) })
        }
        let merged = entry.answers.merging(answers)
        // The same answers again (a double tap, a page that had not yet seen the last change) change nothing: the
        // waiting session keeps waiting instead of being woken with nothing new, which would end it.
        guard merged != entry.answers else { return .delivered(session: entry.session.id) }
        entries[key]?.answers = merged
        touch(key)
        if let waiting = entry.waiting {
            entries[key]?.waiting = nil
            waiting.resume(returning: merged)
        }
        return .delivered(session: entry.session.id)
    }

    /// Every change of every session as the whole session (the console's event stream): subscribe, and each
    /// update of any session arrives as its `SessionView`.
    public nonisolated let views = SessionViewBroadcast()

    /// The sessions on the bench now, newest first.
    public func sessionViews() async -> [SessionView] {
        var result: [SessionView] = []
        for key in entries.keys {
            if let view = await view(key: key) { result.append(view) }
        }
        return result.sorted { $0.updatedAt > $1.updatedAt }
    }

    /// One session by its id (or device key); `nil` when there is none.
    public func sessionView(_ sessionOrDevice: String) async -> SessionView? {
        guard let key = bySession[sessionOrDevice] ?? (entries[sessionOrDevice] != nil ? sessionOrDevice : nil) else { return nil }
        return await view(key: key)
    }

    private func view(key: String) async -> SessionView? {
        guard let entry = entries[key] else { return nil }
        let snapshot = await entry.session.snapshot()
        // The entry may have changed while the session answered: read it again.
        let current = entries[key] ?? entry
        var view = SessionView(
            snapshot: snapshot, deviceKey: key, answers: current.answers, message: current.message, updatedAt: current.updatedAt)
        // A session is a consultant's once they answered for it; the bench's default name is nobody's.
        if view.consultant == defaults.consultant { view.consultant = nil }
        view.revision = current.revision
        view.erasure = current.erasure
        return view
    }

    // MARK: - Read again

    /// How a request to start a step on a session's device (an erase, a new read) ended.
    public enum StepStart: Sendable, Equatable {
        /// The step runs; the session it runs in (a new one for a new read).
        case started(session: String)
        case noSession
        /// Nothing was started: the sentence says why.
        case refused(String)
    }

    /// How a request to read a refused phone again ended: `started` names the new session.
    public typealias ReadAgainSubmission = StepStart

    /// Reads the phone of a refused session again without unplugging it (an account was removed, Find My turned
    /// off, the screen lock cleared): a new session starts on the same link with the answers already given.
    public func readAgain(_ sessionOrDevice: String) async -> ReadAgainSubmission {
        guard let key = bySession[sessionOrDevice] ?? (entries[sessionOrDevice] != nil ? sessionOrDevice : nil),
            let entry = entries[key]
        else { return .noSession }
        guard !shuttingDown else { return .refused("The bench is shutting down: read the phone once it is back.") }
        let state = await entry.session.state
        guard state == .refused else {
            return .refused("Only a refused phone is read again from its card; this session is \(state.rawValue.replacingOccurrences(of: "_", with: " ")).")
        }
        guard case .device(let reader) = entry.session.source else {
            return .refused("This device has no data link: start it again with its serial number.")
        }
        guard await reader.isConnected() != false else {
            return .refused("The phone is no longer connected: plug it in again and it is read by itself.")
        }
        // The entry may have changed during the awaits (another request read it again already).
        guard entries[key]?.session.id == entry.session.id else {
            return .refused("The phone is being read again already.")
        }
        return .started(session: deviceArrived(key: key, reader: reader))
    }

    // MARK: - Erasure

    /// How a request to erase a session's device ended: while it runs, the session's `erasure` says where it stands.
    public typealias EraseSubmission = StepStart

    /// Starts erasing the device of a session that holds a certificate (the consultant confirmed the customer is
    /// present and agrees). The session's `erasure` moves from `erasing` to the record's status; the record is
    /// signed and stored like `intake-agent erase`'s.
    public func erase(_ sessionOrDevice: String, settings: ErasureSettings) async -> EraseSubmission {
        guard let key = bySession[sessionOrDevice] ?? (entries[sessionOrDevice] != nil ? sessionOrDevice : nil),
            let entry = entries[key]
        else { return .noSession }
        let snapshot = await entry.session.snapshot()
        guard let issued = snapshot.certificate, snapshot.state.holdsCertificate else {
            return .refused("This session has no certificate yet: the device is erased only after its certificate is issued.")
        }
        guard case .device(let reader) = entry.session.source, let eraser = reader as? any DeviceErasing else {
            return .refused("This device has no data link, so it cannot be erased from here: reset it from its Settings with the customer.")
        }
        guard let records = context.issuer.registry as? any ErasureRecords else {
            return .refused("This bench's registry keeps no erasure records.")
        }
        if entries[key]?.erasure?.state == "erasing" { return .refused("The device is being erased already.") }
        do {
            let certificate = try await context.issuer.registry.certificate(issued.number) ?? issued
            if let refusal = try await CounterErasure.refusal(for: certificate, records: records) { return .refused(refusal) }
            setErasure(SessionView.Erasure(state: "erasing"), key: key)
            let issuer = context.issuer
            // The audit log says an erase is about to be sent before it is, so even a killed daemon leaves a trace.
            try await issuer.registry.record(AuditEvent(
                event: "erasure.started", consultant: settings.consultant, certificate: certificate.number,
                deviceKey: certificate.content.deviceKey, detail: "from the console, device \(key)", time: context.now()))
            erasing[key] = Task {
                let attempt = await eraser.erase(certificate: certificate, settings: settings) { _ in }
                let outcome: SessionView.Erasure
                switch attempt {
                case .refused(let sentence):
                    outcome = SessionView.Erasure(state: "refused", reason: sentence)
                case .record(let draft):
                    do {
                        // Recorded outside this task, whose cancellation (the shutdown) must not cancel the write.
                        let record = try await Task.detached {
                            try await records.recordErasure(draft, signer: issuer.signer, station: issuer.station, at: Date())
                        }.value
                        let reason = record.content.reason
                        outcome = SessionView.Erasure(
                            state: record.content.status.rawValue, number: record.number.rawValue, reason: reason.isEmpty ? nil : reason)
                    } catch {
                        outcome = SessionView.Erasure(state: "refused", reason: String(describing: error))
                    }
                }
                await self.finishErasure(outcome, key: key, session: entry.session.id)
            }
            return .started(session: entry.session.id)
        } catch {
            return .refused(String(describing: error))
        }
    }

    private func setErasure(_ erasure: SessionView.Erasure, key: String) {
        entries[key]?.erasure = erasure
        entries[key]?.updatedAt = context.now()
        touch(key)
        Task { if let view = await self.view(key: key) { self.views.publish(view) } }
    }

    private func finishErasure(_ erasure: SessionView.Erasure, key: String, session: String) async {
        erasing[key] = nil
        entries[key]?.erasure = erasure
        entries[key]?.updatedAt = context.now()
        touch(key)
        if let view = await view(key: key) { views.publish(view) }
        logger.info(
            "erasure \(erasure.state)\(erasure.number.map { " (\($0))" } ?? "")",
            metadata: ["session": "\(session)", "device": "\(key)", "event": "erasure_\(erasure.state)"])
    }

    public func summaries() -> [Summary] {
        entries.map { Summary(session: $0.value.session.id, device: $0.key, state: $0.value.lastState) }
            .sorted { $0.session < $1.session }
    }

    /// Graceful shutdown: no new session starts; sessions waiting for answers stop; a session reading or issuing
    /// finishes its step (an issuance finishes its transaction). Returns when every session has returned.
    public func shutdown() async {
        beginShutdown()
        await run()
    }

    /// Starts the shutdown without waiting for it: the service group calls this when its graceful shutdown
    /// reaches the session manager, then waits in `run()`.
    public func beginShutdown() {
        guard !shuttingDown else { return }
        shuttingDown = true
        for erasure in erasing.values { erasure.cancel() }
        for key in entries.keys {
            if let waiting = entries[key]?.waiting {
                entries[key]?.waiting = nil
                waiting.resume(returning: nil)
            }
        }
        starts.finish()
    }

    /// How many sessions are not in a final state: the daemon logs it when it stops.
    public func openSessions() -> Int {
        entries.values.filter { !$0.lastState.isFinal }.count
    }

    // MARK: - Private

    /// Prints a just-issued certificate on the configured printer; a printer problem is logged with what to do and
    /// the certificate stays issued (the registry's audit log records the attempt either way).
    private func printSlip(_ certificate: Certificate, session: IntakeSession) async {
        guard let printer else { return }
        switch await printer.print(
            certificate.number, registry: context.issuer.registry, stores: context.stores,
            consultant: certificate.consultant, at: context.now())
        {
        case .printed(let path):
            await session.markPrinted()
            logger.info("slip printed", metadata: ["session": "\(session.id)", "certificate": "\(certificate.number)", "printer": "\(path)"])
        case .failed(let sentence):
            logger.error("\(sentence)", metadata: ["session": "\(session.id)", "certificate": "\(certificate.number)"])
        }
    }

    /// Finished sessions kept for the console's list and for a replug that must change nothing (a certified
    /// phone plugged in again); older ones are forgotten, so a bench that runs for months does not grow.
    public static let finishedKept = 64

    private func forgetOldFinishedSessions() {
        // A certified phone that was never printed (no printer on the bench) is done too; one being erased is not.
        let finished = entries.filter { key, entry in
            (entry.lastState.isFinal || entry.lastState.holdsCertificate) && entry.waiting == nil && erasing[key] == nil
        }
        guard finished.count > Self.finishedKept else { return }
        for (key, entry) in finished.sorted(by: { $0.value.updatedAt < $1.value.updatedAt }).prefix(finished.count - Self.finishedKept) {
            entries[key] = nil
            bySession[entry.session.id] = nil
        }
    }

    /// Marks the entry of `key` changed now.
    private func touch(_ key: String) {
        revision += 1
        entries[key]?.revision = revision
    }

    private func start(_ session: IntakeSession, key: String, answers: IntakeAnswers) {
        guard !shuttingDown else {
            logger.notice("the bench is stopping: no session started", metadata: ["device": "\(key)"])
            return
        }
        if let previous = entries[key] { bySession[previous.session.id] = nil }
        forgetOldFinishedSessions()
        bySession[session.id] = key
        entries[key] = Entry(session: session, answers: answers)
        touch(key)
        starts.yield(Start(session: session, key: key, answers: answers))
        logger.info("session started", metadata: ["session": "\(session.id)", "device": "\(key)"])
    }

    private func waitForAnswers(key: String, current: IntakeAnswers) async -> IntakeAnswers? {
        if shuttingDown || Task.isCancelled { return nil }
        if let stored = entries[key]?.answers, stored != current { return stored }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled || shuttingDown {
                    continuation.resume(returning: nil)
                } else {
                    entries[key]?.waiting = continuation
                }
            }
        } onCancel: {
            Task { await self.stopWaiting(key: key) }
        }
    }

    private func stopWaiting(key: String) {
        if let waiting = entries[key]?.waiting {
            entries[key]?.waiting = nil
            waiting.resume(returning: nil)
        }
    }

    private func observed(_ update: SessionUpdate, key: String) async {
        entries[key]?.lastState = update.state
        entries[key]?.message = update.message
        entries[key]?.updatedAt = context.now()
        touch(key)
        continuation.yield(update)
        if let view = await view(key: key) { views.publish(view) }
        logger.info(
            "\(update.message)",
            metadata: ["session": "\(update.session)", "device": "\(key)", "state": "\(update.state.rawValue)", "event": "\(update.event)"])
    }
}

/// The manager's own task, set once right after `init` has made the manager.
private final class OwnerTask: Sendable {
    private let stored = Mutex<Task<Void, Never>?>(nil)
    func set(_ task: Task<Void, Never>) { stored.withLock { $0 = task } }
    var task: Task<Void, Never>? { stored.withLock { $0 } }
}

/// Fans session views out to every subscriber (each console tab's event stream).
public final class SessionViewBroadcast: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<SessionView>.Continuation]>([:])

    public init() {}

    /// A stream of every session change from now on; it ends when the caller stops iterating.
    public func subscribe() -> AsyncStream<SessionView> {
        let (stream, continuation) = AsyncStream.makeStream(of: SessionView.self, bufferingPolicy: .bufferingNewest(256))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ view: SessionView) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(view) }
    }

    /// Ends every subscriber's stream (the daemon is stopping).
    func finish() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
