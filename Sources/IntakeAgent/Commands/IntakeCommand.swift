// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Diagnostics
import Foundation
import Grading
import Intake
import IntakeStore
import Printing
import Synchronization

struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Runs one intake session in a terminal or from an answers file.",
        discussion: """
            With --answers FILE the session runs without questions (the file's format is in README). Without it, \
            and with a terminal on stdin, the consultant answers the checklist, the offer and the holder's details \
            at prompts. Exit status 0 means a certificate was issued (or the customer declined the offer); 1 means \
            the device or holder was refused, or the session stopped with something missing.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var station: StationOptions
    @OptionGroup var device: DeviceSelection

    @Option(help: "The consultant's answers as JSON (checklist, kit, offer decision, holder); see README.")
    var answers: String?

    @Option(help: "The store id (data/stores.csv); defaults to store_id in the configuration.")
    var store: String?

    @Flag(help: "A device with no data link (AirPods, Watch, MacBook): the model and serial come from the answers.")
    var manual = false

    @Option(
        name: [.customLong("printer"), .customLong("print-to")],
        help: "Print the slip once the certificate is issued: a printer device (/dev/usb/lp0), usb for the first receipt printer, or a file; defaults to printer in the configuration.")
    var printTo: String?

    @Option(
        name: [.customLong("paper-columns"), .customLong("width")],
        help: "Paper width in characters for the slip: 48 (80 mm) or 32 (58 mm); defaults to paper_columns in the configuration.")
    var width: Int?

    @Option(help: "The language of the questions at the terminal: kk, ru or en; defaults to the locale (LANG), else Russian with English beside it.")
    var language: PromptLanguage?

    @Flag(help: "Print the session's outcome as one JSON object.")
    var json = false

    @Flag(help: "List the checklist's checks (ids for the answers file, labels, who answers, effect) and exit.")
    var listChecks = false

    func run() async throws {
        try await reportingFailures { try await execute() }
    }

    private func execute() async throws {
        if listChecks {
            if json { try Output.json(Checklist.definitions) } else {
                for check in Checklist.definitions {
                    Output.line(check.id.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + check.source.rawValue.padding(toLength: 27, withPad: " ", startingAt: 0)
                        + check.effect.description.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + "\(check.label.en) / \(check.label.ru) / \(check.label.kk)")
                }
            }
            return
        }
        do {
            var initial = IntakeAnswers()
            if let answers {
                do throws(IntakeAnswers.Invalid) { initial = try IntakeAnswers.load(path: answers) } catch { throw Failure(error.description) }
            }
            let opened = try StationContext.open(global: global, station: station, store: store ?? initial.store)
            let source: IntakeSession.Source
            var usb: LibUSBContext?
            defer { usb?.shutdown() }
            if manual || (device.isEmpty && initial.device?.model != nil) {
                source = .manual
            } else {
                let logger = global.makeLogger()
                usb = try? LibUSBContext(logger: logger)
                source = .device(try await device.reader(logger: logger, dataDirectory: global.resolvedDataDir, usb: usb))
            }
            let session = IntakeSession(source: source, context: opened.context)
            let interactive = answers == nil && isatty(STDIN_FILENO) == 1
            let showProgress = !json
            var ask: (@Sendable (SessionQuestion, IntakeAnswers) async -> IntakeAnswers?)?
            let watch = DepartureWatch()
            defer { watch.cancel() }
            if interactive {
                let input = TerminalInput()
                let prompter = ConsultantPrompter(
                    input: input, language: language ?? PromptLanguage.fromEnvironment(), today: opened.context.today)
                // A phone unplugged while the consultant answers cancels the session at once: the question waiting
                // ends, and nothing is issued (the session also looks for the phone again just before issuing).
                // The watch starts with the first question, once the read has let go of the phone.
                let reader: (any DeviceReading)? = if case .device(let reader) = source { reader } else { nil }
                ask = { question, current in
                    if let reader {
                        watch.start {
                            guard await reader.departure() != nil, !Task.isCancelled else { return }
                            await session.unplugged()
                            input.interrupt()
                        }
                    }
                    return await prompter.ask(question, current)
                }
            }
            let observe: (@Sendable (SessionUpdate) -> Void)? = showProgress ? { @Sendable update in ProgressLine.print(update) } : nil
            let outcome = await session.run(answers: initial, ask: ask, observe: observe)

            var printed = false
            let printer = try StationContext.printer(opened.configuration, override: printTo, columns: width)
            if let certificate = outcome.certificate, let printer {
                switch await printer.print(
                    certificate.number, registry: opened.station.certificates, stores: opened.context.stores,
                    consultant: certificate.consultant)
                {
                case .printed:
                    printed = true
                    await session.markPrinted()
                case .failed(let sentence):
                    Output.error(sentence)
                }
            }
            let paper = printer?.width ?? PaperWidth(columns: width ?? opened.configuration.paperColumns) ?? .mm80

            if json {
                try Output.json(IntakeOutcomeJSON(outcome, printed: printed))
            } else {
                IntakeSummary.print(outcome, width: paper, stores: opened.context.stores)
            }
            switch outcome.state {
            case .certificateIssued, .printed, .offerDeclined: return
            default:
                throw Failure(outcome.reasons.first ?? "The session stopped in state \(outcome.state.rawValue).")
            }
        }
    }
}

/// The one task that watches the phone leave while the consultant is asked: started by the first question, ended
/// with the command.
private final class DepartureWatch: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func start(_ body: @escaping @Sendable () async -> Void) {
        task.withLock { task in
            if task == nil { task = Task { await body() } }
        }
    }

    func cancel() {
        task.withLock { $0?.cancel() }
    }
}
