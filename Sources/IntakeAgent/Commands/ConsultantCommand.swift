// SPDX-License-Identifier: Apache-2.0
import AgentCLI
import ArgumentParser
import Console
import Foundation
import IntakeStore

/// `intake-agent consultant add|list|disable`: who may log in to the console. PINs are stored as bcrypt hashes
/// only, and never taken on the command line (it would sit in the shell's history and in `ps`).
struct ConsultantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consultant",
        abstract: "Adds, lists and disables the consultants who log in to the console.",
        subcommands: [Add.self, List.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adds a consultant with a PIN of at least four digits.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The consultant's id (letters, digits, dots, dashes), such as C1.")
        var id: String
        @Option(help: "The consultant's name as shown on the console and in the audit log.")
        var name: String
        @Flag(help: "Read the PIN from standard input (one line).")
        var pinStdin = false
        @Option(help: "Read the PIN from this file (one line; keep it 0600 and delete it after).")
        var pinFile: String?
        @Option(help: "The console's language for this consultant: ru, kk or en.")
        var language = "ru"

        func validate() throws {
            guard pinStdin != (pinFile != nil) else { throw ValidationError("Give the PIN with --pin-stdin or --pin-file F (exactly one).") }
        }

        func run() async throws {
            try await reportingFailures {
                let pin: String
                if let pinFile {
                    guard let text = try? String(contentsOfFile: pinFile, encoding: .utf8) else {
                        throw Failure("The PIN file \(pinFile) cannot be read: check the path and its permissions.")
                    }
                    pin = text.trimmingCharacters(in: .whitespacesAndNewlines)
                } else {
                    pin = (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
                }
                let hash: String
                do { hash = try ConsoleAuth.hash(pin: pin) } catch { throw Failure("\(error)") }
                let registry = try SQLiteRegistry(dataDirectory: global.resolvedDataDir)
                let consultant = try await registry.addConsultant(id: id, name: name, pinHash: hash, language: language, at: Date())
                Output.line("Consultant \(consultant.id) (\(consultant.name)) added; the console speaks \(consultant.language).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the consultants.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the list as JSON.")
        var json = false

        func run() async throws {
            try await reportingFailures {
                let consultants = try await SQLiteRegistry(dataDirectory: global.resolvedDataDir).consultants()
                if json {
                    try Output.json(consultants)
                    return
                }
                if consultants.isEmpty { Output.line("No consultants yet: add one with `intake-agent consultant add ID --name NAME --pin-stdin`.") }
                for consultant in consultants {
                    var notes: [String] = []
                    if consultant.disabled { notes.append("disabled") }
                    if let until = consultant.lockedUntil, until > Date() { notes.append("locked until \(until.formatted(.iso8601))") }
                    Output.line("\(consultant.id.padding(toLength: 16, withPad: " ", startingAt: 0)) \(consultant.name)  [\(consultant.language)]\(notes.isEmpty ? "" : "  " + notes.joined(separator: ", "))")
                }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disables a consultant for good (the id is not reused).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The consultant's id.")
        var id: String
        @Option(help: "Who disables, for the audit log; defaults to $USER.")
        var by: String?

        func run() async throws {
            try await reportingFailures {
                let registry = try SQLiteRegistry(dataDirectory: global.resolvedDataDir)
                try await registry.disableConsultant(id, by: by ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown", at: Date())
                Output.line("Consultant \(id) is disabled: their logins end, and they cannot log in again.")
            }
        }
    }
}
