// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Printing

/// One progress line per session update, on stderr so that stdout stays the result.
enum ProgressLine {
    static func print(_ update: SessionUpdate) {
        let ms = String(update.elapsedMS)
        let state = update.state.rawValue
        let line = "[" + String(repeating: " ", count: max(0, 6 - ms.count)) + ms + " ms] "
            + state + String(repeating: " ", count: max(1, 23 - state.count)) + update.message + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// The outcome of `intake --json`: one object, snake_case keys, amounts as integers.
struct IntakeOutcomeJSON: Encodable {
    let state: String
    let reasons: [String]
    let report: DeviceReport?
    let appraisal: Appraisal?
    let certificate: CertificateSummary?
    let printed: Bool
    let updates: [SessionUpdate]

    init(_ outcome: IntakeOutcome, printed: Bool) {
        state = outcome.state.rawValue
        reasons = outcome.reasons
        report = outcome.report
        appraisal = outcome.appraisal
        certificate = outcome.certificate?.summary
        self.printed = printed
        updates = outcome.updates
    }
}

/// The human-readable end of an intake: the offer, the refusal or the certificate and its slip.
enum IntakeSummary {
    static func print(_ outcome: IntakeOutcome, width: PaperWidth, stores: StoreList) {
        if let quote = outcome.appraisal?.quote {
            Output.line("Offer: \(quote.amount.formatted) (rule set \(quote.ruleSetID)).")
        }
        if !outcome.reasons.isEmpty {
            Output.line(outcome.state == .refused ? "Refused:" : "Stopped (\(outcome.state.rawValue)):")
            for reason in outcome.reasons { Output.line("  - \(reason)") }
        }
        if let certificate = outcome.certificate {
            Output.line("Certificate \(certificate.number) issued.")
            if let slip = try? Slip(certificate: certificate, store: stores.store(id: certificate.content.storeID), width: width) {
                Output.line("")
                Output.line(slip.text())
            }
        }
    }
}
