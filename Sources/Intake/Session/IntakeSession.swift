// SPDX-License-Identifier: Apache-2.0
public import Diagnostics
public import Foundation
public import Grading
public import IntakeStore

/// Everything a session needs from the station, passed in so that tests, the demo and the daemon build their own.
public struct IntakeContext: Sendable {
    public var appraiser: Appraiser
    public var stores: StoreList
    public var issuer: CertificateIssuer
    public var blocklist: Blocklist?
    public var storeID: String
    public var consultant: String
    /// Today's date at the store; the rules read no clock.
    public var today: @Sendable () -> CivilDate
    public var now: @Sendable () -> Date

    public init(
        appraiser: Appraiser, stores: StoreList, issuer: CertificateIssuer, blocklist: Blocklist?, storeID: String,
        consultant: String, today: @escaping @Sendable () -> CivilDate = { CivilDate.today() },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.appraiser = appraiser
        self.stores = stores
        self.issuer = issuer
        self.blocklist = blocklist
        self.storeID = storeID
        self.consultant = consultant
        self.today = today
        self.now = now
    }
}

/// What a session stops at, asked of the consultant (a terminal prompt, the console, or nobody for a script).
public enum SessionQuestion: Sendable {
    /// Checks the device could not answer; `appraisal` holds the provisional grade.
    case checklist(pending: [CheckDefinition], appraisal: Appraisal)
    /// The offer is ready: accept or decline.
    case offer(appraisal: Appraisal)
    /// The holder's name, IIN, birth date and document number are needed for the certificate.
    case holder
    /// Facts the device did not give (or a manual intake has not typed yet); `appraisal` says what is known (the
    /// catalog's storage sizes for the model, the models a typed name could mean).
    case device(missing: [DeviceFact], appraisal: Appraisal)
}

/// A fact about the device that the consultant can type when the device did not give it.
public enum DeviceFact: String, Sendable, Hashable, CaseIterable {
    case model
    case storage = "storage_gb"
    case imei
    case serial

    /// Its dotted path in the answers format (`device.storage_gb`), as `missing` lists it.
    public var field: String { "device.\(rawValue)" }
}

/// How a session ends, with everything that was learned on the way.
public struct IntakeOutcome: Sendable {
    public var state: SessionState
    public var report: DeviceReport?
    public var appraisal: Appraisal?
    public var certificate: Certificate?
    /// Why the session stopped short of a certificate, one sentence each.
    public var reasons: [String]
    public var updates: [SessionUpdate]
}

/// One device's intake, from detection to an issued certificate, as an explicit state machine
/// (`SessionMachine`). Sessions run concurrently, one per device; each records its events in the audit log.
public actor IntakeSession {
    public enum Source: Sendable {
        /// A phone with a data link, read by its platform reader.
        case device(any DeviceReading)
        /// AirPods, Watch, MacBook: no data link; the model and serial come from the answers.
        case manual
    }

    public nonisolated let id: String
    public let source: Source
    let context: IntakeContext
    private var machine = SessionMachine()
    private var updates: [SessionUpdate] = []
    private let started = ContinuousClock.now
    private var deviceLabel: String
    private var observer: (@Sendable (SessionUpdate) -> Void)?
    private var deviceKey: DeviceKey?
    /// What the console shows of the session: the latest read, appraisal, certificate and reasons.
    private var lastReport: DeviceReport?
    private var lastAppraisal: Appraisal?
    private var lastCertificate: Certificate?
    private var lastReasons: [String] = []

    public init(id: String = IntakeSession.newID(), source: Source, context: IntakeContext) {
        self.id = id
        self.source = source
        self.context = context
        switch source {
        case .device(let reader): deviceLabel = reader.label
        case .manual: deviceLabel = "manual"
        }
    }

    public static func newID() -> String {
        String(UUID().uuidString.prefix(8)).lowercased()
    }

    public var state: SessionState { machine.state }

    /// The session as it stands, for the console and the API.
    public func snapshot() -> SessionSnapshot {
        SessionSnapshot(
            id: id, state: machine.state, report: lastReport, appraisal: lastAppraisal, certificate: lastCertificate,
            reasons: lastReasons)
    }

    /// Runs the session to its end with `answers`; when something is missing, `ask` is asked for more (return
    /// `nil` to stop there, as a script does). `observe` sees every update as it happens.
    public func run(
        answers initial: IntakeAnswers,
        ask: (@Sendable (SessionQuestion, IntakeAnswers) async -> IntakeAnswers?)? = nil,
        observe: (@Sendable (SessionUpdate) -> Void)? = nil
    ) async -> IntakeOutcome {
        observer = observe
        var answers = initial
        var outcome = IntakeOutcome(state: .detected, report: nil, appraisal: nil, certificate: nil, reasons: [], updates: [])
        await emit("detected", "The device is on the bench.")

        // MARK: Read
        let report: DeviceReport?
        switch source {
        case .device(let reader):
            do {
                move(.readStarted)
                let progress = ProgressRelay()
                let task = Task { [weak self] in
                    for await step in progress.stream { await self?.progressed(step) }
                }
                // The relay is finished whether the read returns or throws, so its task always ends.
                let read: Result<DeviceReport, any Error>
                do { read = .success(try await reader.read(progress: { progress.send($0) })) } catch { read = .failure(error) }
                progress.finish()
                await task.value
                report = try read.get().namedFrom(context.appraiser.catalog)
            } catch {
                return await stop(.cancelled, reasons: [Self.sentence(error)], outcome: &outcome)
            }
            outcome.report = report
            lastReport = report
            if let report, !report.pairing.allowsRead {
                let advice = report.advice ?? "The phone did not allow the bench to read it (\(report.pairing.rawValue)); unplug it, follow the prompt on its screen and plug it in again."
                return await stop(.cancelled, reasons: [advice], outcome: &outcome)
            }
            move(.readCompleted)
            await emit("read_completed", Self.summary(report))
        case .manual:
            report = nil
            move(.identified(model: answers.device?.model ?? "?"))
            move(.answersPending)
            await emit("identified", "Manual intake of \(answers.device?.model ?? "an unnamed device") (serial \(answers.device?.serial ?? "not given")).")
        }

        // MARK: Appraise, asking for what is missing
        if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
        let store = context.stores.store(id: answers.store ?? context.storeID)
        guard let store else {
            return await stop(.refused, reasons: ["The store \(answers.store ?? context.storeID) is not in the store list: set store_id in the configuration or pass --store."], outcome: &outcome)
        }
        // Each pass looks at the answers as they are now and asks for the first thing missing. A consultant may go
        // back (the terminal's `back`): an answer taken back is simply missing again, and is asked again here.
        var appraisal = appraise(report: report, answers: answers, store: store)
        var offered: Tenge?
        while true {
            outcome.appraisal = appraisal
            let facts = missingFacts(report: report, answers: answers, appraisal: appraisal)
            if !facts.isEmpty, let ask {
                move(.answersPending)
                await emit("facts_pending", "Type: \(facts.map(\.field).joined(separator: ", ")).")
                let more = await ask(.device(missing: facts, appraisal: appraisal), answers)
                if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
                guard let more, more != answers else {
                    return await stop(.refused, reasons: appraisal.refusals.map(\.reason) + Self.missingSentence(facts), outcome: &outcome)
                }
                answers = more
                appraisal = appraise(report: report, answers: answers, store: store)
                continue
            }
            if !appraisal.refusals.isEmpty {
                return await stop(.refused, reasons: appraisal.refusals.map(\.reason), outcome: &outcome)
            }
            let pending = (appraisal.grade?.pending ?? []).map(Checklist.definition)
            if !pending.isEmpty {
                move(.answersPending)
                await emit("answers_pending", "Answer: \(pending.map(\.label.en).joined(separator: "; ")).")
                let more = await ask?(.checklist(pending: pending, appraisal: appraisal), answers)
                if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
                guard let more, more != answers else {
                    return await stop(machine.state, reasons: ["The checklist is not complete: answer \(pending.map(\.id.rawValue).joined(separator: ", "))."], outcome: &outcome)
                }
                answers = more
                appraisal = appraise(report: report, answers: answers, store: store)
                continue
            }
            if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
            guard let quote = appraisal.quote, let grade = appraisal.grade else {
                return await stop(.refused, reasons: ["No offer could be computed for this device."], outcome: &outcome)
            }
            if machine.state != .graded && machine.state != .offerAccepted || offered != quote.amount {
                move(.graded(offerKZT: quote.amount.amount))
                offered = quote.amount
                await emit("graded", "Grade \(grade.functional.rawValue)/\(grade.cosmetic.rawValue): offer \(quote.amount.formatted).")
            }

            // MARK: Offer
            guard let accepted = answers.acceptOffer else {
                let more = await ask?(.offer(appraisal: appraisal), answers)
                if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
                guard let more, more != answers else {
                    return await stop(.graded, reasons: ["The customer has not yet accepted or declined the offer."], outcome: &outcome)
                }
                answers = more
                appraisal = appraise(report: report, answers: answers, store: store)
                continue
            }
            guard accepted else {
                move(.offerDeclined)
                await emit("offer_declined", "The customer declined the offer.")
                outcome.state = machine.state
                outcome.updates = updates
                return outcome
            }
            if machine.state != .offerAccepted {
                move(.offerAccepted)
                await emit("offer_accepted", "The customer accepted \(quote.amount.formatted).")
            }

            // MARK: Holder
            if answers.holder == nil {
                let more = await ask?(.holder, answers)
                if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
                guard let more, more != answers else {
                    return await stop(.offerAccepted, reasons: ["The holder's name, IIN, birth date and document number are needed for the certificate."], outcome: &outcome)
                }
                answers = more
                if answers.acceptOffer == nil {
                    // Back to the offer: it is made again, and accepted or declined again.
                    move(.graded(offerKZT: quote.amount.amount))
                    await emit("offer_reopened", "The offer is asked again.")
                }
                appraisal = appraise(report: report, answers: answers, store: store)
                continue
            }
            break
        }
        guard let holder = answers.holder, let quote = appraisal.quote, let grade = appraisal.grade, let model = appraisal.model else {
            return await stop(.refused, reasons: ["No offer could be computed for this device."], outcome: &outcome)
        }
        // The last moment an unplug can stop the session: after this the certificate exists. An unplug event can be
        // missed (or arrive late), so the device itself is looked for once more.
        if machine.state != .cancelled, case .device(let reader) = source, await reader.isConnected() == false {
            await unplugged()
        }
        if machine.state == .cancelled { return await stop(.cancelled, reasons: Self.unpluggedReasons, outcome: &outcome) }
        let facts = self.facts(report: report, answers: answers)
        let request = IssueRequest(
            amount: quote.amount, issuedOn: context.today(), holderName: holder.name, iin: holder.iin,
            birthDate: holder.birthDate, store: store, model: model,
            modelIdentifier: facts.identifier, imeis: facts.imeis, serial: facts.serial,
            grade: "\(grade.functional.rawValue)/\(grade.cosmetic.rawValue)", ruleSet: appraisal.ruleSetID,
            documentNumber: holder.documentNumber)
        do {
            let certificate = try await context.issuer.issue(request, consultant: answers.consultant ?? context.consultant, at: context.now())
            outcome.certificate = certificate
            lastCertificate = certificate
            move(.certificateIssued(number: certificate.number.description))
            await emit("certificate_issued", "Certificate \(certificate.number) for \(certificate.content.amount.formatted) issued to \(holder.name).")
        } catch {
            return await stop(.refused, reasons: [Self.sentence(error)], outcome: &outcome)
        }
        outcome.state = machine.state
        outcome.updates = updates
        return outcome
    }

    /// Records that the slip was printed, after the caller sent it to a printer.
    public func markPrinted() async {
        move(.printed)
        await emit("printed", "The slip was printed.")
    }

    /// The phone left the bench. Before a certificate exists this cancels the session; afterwards nothing changes.
    public func unplugged() async {
        guard !machine.state.isFinal else { return }
        move(.unplugged)
        await emit("unplugged", machine.state == .cancelled
            ? "The device was unplugged: the session is cancelled until it is plugged in again."
            : "The device was unplugged; the certificate stays issued.")
    }

    // MARK: - Steps

    /// What the consultant can type that the device did not give: the model of a manual intake the catalog does
    /// not know yet, the storage size when the catalog prices sizes and none was read, the IMEI of a phone that
    /// gave none, the serial of a manual intake with neither.
    private func missingFacts(report: DeviceReport?, answers: IntakeAnswers, appraisal: Appraisal) -> [DeviceFact] {
        let codes = Set(appraisal.refusals.map(\.code))
        let known = facts(report: report, answers: answers)
        var missing: [DeviceFact] = []
        if report == nil, appraisal.model == nil, !codes.isDisjoint(with: ["unknown_model", "ambiguous_model"]) {
            return [.model]
        }
        if codes.contains("storage_unknown"), known.storageGB == nil { missing.append(.storage) }
        if known.imeis.isEmpty, appraisal.grade?.pending.contains(.imeiValid) == true { missing.append(.imei) }
        if report == nil, known.imeis.isEmpty, SerialNumber.normalize(known.serial) == nil, appraisal.model != nil {
            missing.append(.serial)
        }
        return missing
    }

    static func missingSentence(_ facts: [DeviceFact]) -> [String] {
        ["The device did not give \(facts.map(\.field).joined(separator: ", ")): type it in the answers (device)."]
    }

    private func appraise(report: DeviceReport?, answers: IntakeAnswers, store: Store) -> Appraisal {
        let blocklisted = (try? context.blocklist?.current()) ?? []
        let appraisal = context.appraiser.appraise(AppraisalRequest(
            model: report == nil ? answers.device?.model : nil,
            facts: facts(report: report, answers: answers),
            answers: answers.effectiveChecklist, store: store, blocklistedIMEIs: blocklisted))
        lastReport = report
        lastAppraisal = appraisal
        return appraisal
    }

    /// The device's facts, completed by what the consultant typed where the device gave nothing.
    private func facts(report: DeviceReport?, answers: IntakeAnswers) -> DeviceFacts {
        var facts = report.map(DeviceFacts.init(report:)) ?? DeviceFacts(name: answers.device?.model)
        if let typed = answers.device {
            if facts.serial == nil { facts.serial = typed.serial }
            if facts.imeis.isEmpty, let imeis = typed.imei { facts.imeis = imeis }
            if facts.storageGB == nil { facts.storageGB = typed.storageGB }
        }
        deviceKey = CertificateRules.deviceKey(imeis: facts.imeis, serial: facts.serial)
        return facts
    }

    private func progressed(_ step: ReadProgress) async {
        switch step {
        case .identified(let identifier):
            move(.identified(model: identifier ?? "?"))
            let name = identifier.flatMap { context.appraiser.catalog.lookup($0).model?.displayName } ?? identifier ?? "unknown model"
            await emit("identified", "Identified: \(name).")
        case .authorizationNeeded(_, let advice):
            move(.authorizationNeeded(advice: advice))
            await emit("authorization_needed", advice)
        case .authorized:
            move(.authorized)
            move(.readStarted)
            await emit("authorized", "The phone allowed the bench; reading.")
        }
    }

    /// Moves the state machine. An event out of order is a bug in this file, not a device problem: it is kept
    /// in the session's updates so that it shows, and the session goes on in the state it was in.
    private func move(_ event: SessionEvent) {
        do {
            try machine.apply(event)
        } catch {
            updates.append(SessionUpdate(
                session: id, device: deviceLabel, state: machine.state, event: "out_of_order", message: error.description,
                elapsedMS: 0))
        }
    }

    private func stop(_ state: SessionState, reasons: [String], outcome: inout IntakeOutcome) async -> IntakeOutcome {
        if state == .refused { move(.refused(reasons: reasons)) }
        if state == .cancelled, machine.state != .cancelled { move(.unplugged) }
        await emit(state == .refused ? "refused" : "stopped", reasons.joined(separator: " "))
        outcome.state = machine.state
        outcome.reasons = reasons
        lastReasons = reasons
        outcome.updates = updates
        return outcome
    }

    private func emit(_ event: String, _ message: String) async {
        let elapsed = ContinuousClock.now - started
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let update = SessionUpdate(session: id, device: deviceLabel, state: machine.state, event: event, message: message, elapsedMS: ms)
        updates.append(update)
        observer?(update)
        // The audit log is the record of every session event; a failure to write it must not stop the bench.
        try? await context.issuer.registry.record(AuditEvent(
            event: "session.\(event)", consultant: context.consultant, deviceKey: deviceKey,
            reason: nil, detail: "session \(id) \(deviceLabel): \(message)", time: context.now()))
    }

    static let unpluggedReasons = ["The device was unplugged before its certificate was issued: plug it in again to go on."]

    static func summary(_ report: DeviceReport?) -> String {
        guard let report else { return "Read complete." }
        var parts = [report.model.name ?? report.model.identifier ?? "unknown model"]
        if let gb = report.storageGB { parts.append("\(gb) GB") }
        if let health = report.battery?.healthPercent { parts.append("battery \(health)%") }
        if let imei = report.imei?.first { parts.append("IMEI \(imei)") }
        return "Read: " + parts.joined(separator: ", ") + "."
    }

    static func sentence(_ error: any Error) -> String {
        String(describing: error)
    }
}

/// Carries read progress from a reader's callback (any thread) into the session actor, in order.
final class ProgressRelay: Sendable {
    let stream: AsyncStream<ReadProgress>
    private let continuation: AsyncStream<ReadProgress>.Continuation
    init() { (stream, continuation) = AsyncStream.makeStream() }
    func send(_ step: ReadProgress) { continuation.yield(step) }
    func finish() { continuation.finish() }
}
