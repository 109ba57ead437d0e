// SPDX-License-Identifier: Apache-2.0
import Intake
import Testing

@Suite("The intake session's state graph")
struct SessionMachineTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let events: [SessionEvent]
        let expected: SessionState
        var testDescription: String { name }
    }

    static let happyIPhone: [SessionEvent] = [
        .identified(model: "iPhone12,1"), .authorizationNeeded(advice: "Tap Trust."), .authorized, .readStarted,
        .readCompleted, .answersPending, .graded(offerKZT: 120_000), .offerAccepted,
        .certificateIssued(number: "X"), .printed,
    ]

    @Test(arguments: [
        Case(name: "iPhone through trust to a printed certificate", events: happyIPhone, expected: .printed),
        Case(
            name: "Android read without authorization step",
            events: [.identified(model: "SM-G973F"), .readStarted, .readCompleted, .graded(offerKZT: 1)],
            expected: .graded),
        Case(name: "the model learned during the read keeps the session reading",
             events: [.readStarted, .identified(model: "iPhone12,1")], expected: .reading),
        Case(name: "declined offer", events: [.readStarted, .readCompleted, .graded(offerKZT: 1), .offerDeclined],
             expected: .offerDeclined),
        Case(name: "refused after reading", events: [.readStarted, .readCompleted, .refused(reasons: ["Find My is on."])],
             expected: .refused),
        Case(name: "unplugged while reading", events: [.readStarted, .unplugged], expected: .cancelled),
        Case(name: "replugged after an unplug resumes from identification",
             events: [.readStarted, .readCompleted, .graded(offerKZT: 1), .unplugged, .replugged], expected: .identified),
        Case(name: "unplugging after issuance keeps the certificate",
             events: [.readStarted, .readCompleted, .graded(offerKZT: 1), .offerAccepted, .certificateIssued(number: "X"),
                      .unplugged], expected: .certificateIssued),
        Case(name: "a manual session (AirPods) goes straight to the checklist",
             events: [.identified(model: "AirPods Pro"), .answersPending, .graded(offerKZT: 1)], expected: .graded),
    ])
    func reachesState(_ c: Case) throws {
        var machine = SessionMachine()
        for event in c.events { try machine.apply(event) }
        #expect(machine.state == c.expected)
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let name: String
        let before: [SessionEvent]
        let event: SessionEvent
        var testDescription: String { name }
    }

    @Test(arguments: [
        Refusal(name: "no certificate without an accepted offer", before: [.readStarted, .readCompleted, .graded(offerKZT: 1)],
                event: .certificateIssued(number: "X")),
        Refusal(name: "no grade before the read completed", before: [.readStarted], event: .graded(offerKZT: 1)),
        Refusal(name: "a refused session stays refused", before: [.refused(reasons: ["x"])], event: .readStarted),
        Refusal(name: "an issued certificate cannot be refused afterwards",
                before: [.readStarted, .readCompleted, .graded(offerKZT: 1), .offerAccepted, .certificateIssued(number: "X")],
                event: .refused(reasons: ["late"])),
        Refusal(name: "no replug without an unplug", before: [.readStarted], event: .replugged),
    ])
    func refusesOutOfOrder(_ r: Refusal) throws {
        var machine = SessionMachine()
        for event in r.before { try machine.apply(event) }
        let before = machine.state
        #expect(throws: SessionMachine.OutOfOrder.self) { try machine.apply(r.event) }
        #expect(machine.state == before)
    }

    @Test func refusalKeepsItsReasons() throws {
        var machine = SessionMachine()
        try machine.apply(.refused(reasons: ["Find My is on: turn it off on the phone."]))
        #expect(machine.refusalReasons == ["Find My is on: turn it off on the phone."])
    }
}
