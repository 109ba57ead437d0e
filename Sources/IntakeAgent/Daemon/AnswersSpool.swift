// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Intake
import Logging

/// Answers files dropped in the spool directory by a script, a handheld scanner app or the console: each named
/// after a session id or a device key (`manual…` starts a manual intake), in the `intake --answers` format.
///
/// - The directory and its `done/` and `rejected/` folders are 0700: only the daemon's user reads them.
/// - A delivered file is deleted; `done/` keeps a copy with the IIN and document number masked.
/// - A file that is not valid answers, or whose answers the session refuses (a wrong IIN, an age outside the
///   program's range), goes to `rejected/NAME` (masked) with `rejected/NAME.reason`; the session keeps waiting,
///   so a corrected file dropped under the same name is delivered without unplugging the phone.
/// - A file for a device not (yet) on the bench waits in place.
struct AnswersSpool: Sendable {
    let directory: URL
    let logger: Logger

    var done: URL { directory.appendingPathComponent("done") }
    var rejected: URL { directory.appendingPathComponent("rejected") }

    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates the spool's folders 0700, and tightens them when an older agent left them wider.
    func prepare() throws {
        let fm = FileManager.default
        for folder in [directory, done, rejected] {
            do {
                try fm.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let mode = (try fm.attributesOfItem(atPath: folder.path)[.posixPermissions] as? NSNumber)?.intValue ?? 0
                if mode & 0o777 != 0o700 {
                    try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
                    logger.notice("the answers spool \(folder.path) was readable by others: it is now 0700")
                }
            } catch {
                throw Unusable(description: "The answers spool \(folder.path) cannot be created or protected: check that the data directory belongs to the agent's user.")
            }
        }
    }

    func deliver(to manager: SessionManager) async {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names.sorted() where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = directory.appendingPathComponent(name)
            let target = String(name.dropLast(5))
            let answers: IntakeAnswers
            do throws(IntakeAnswers.Invalid) {
                answers = try IntakeAnswers.load(path: path.path)
            } catch {
                reject(path, reason: error.description)
                continue
            }
            if target.hasPrefix("manual") {
                if let problem = answers.problems(on: CivilDate.today()).first {
                    reject(path, reason: "\(problem.field): \(problem.sentence)")
                    continue
                }
                let id = await manager.startManual(answers: answers)
                logger.info("manual session started from \(name)", metadata: ["session": "\(id)"])
                delivered(path, answers: answers)
                continue
            }
            switch await manager.submit(answers, to: target) {
            case .delivered(let session):
                logger.info("answers from \(name) delivered", metadata: ["session": "\(session)"])
                delivered(path, answers: answers)
            case .refused(let problems):
                reject(path, reason: problems.map { "\($0.field): \($0.sentence)" }.joined(separator: " "))
            case .finished(let state):
                reject(path, reason: "The session for \(target) is over (\(state.rawValue)): unplug the phone and plug it in again for a new session.")
            case .noSession:
                break  // the file waits for the device to arrive
            }
        }
    }

    /// Deletes the delivered file; `done/` keeps the answers with the IIN and document number masked.
    private func delivered(_ file: URL, answers: IntakeAnswers) {
        let stamp = Int(Date().timeIntervalSince1970)
        let copy = done.appendingPathComponent("\(stamp)-\(file.lastPathComponent)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(answers.maskedForRecords) {
            write(data, to: copy)
        }
        remove(file)
    }

    /// Moves a refused file to `rejected/` with every twelve-digit run (an IIN) masked, and its reason beside it.
    private func reject(_ file: URL, reason: String) {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        let copy = rejected.appendingPathComponent(file.lastPathComponent)
        write(Data(Self.maskingIINs(text).utf8), to: copy)
        write(Data((reason + "\n").utf8), to: rejected.appendingPathComponent(file.lastPathComponent + ".reason"))
        remove(file)
        // Said once the rejected copy and its reason are there to read.
        logger.error("answers file \(file.lastPathComponent) refused: \(reason) Correct it and drop it in the spool again.")
    }

    private func write(_ data: Data, to url: URL) {
        let fm = FileManager.default
        _ = fm.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600])
    }

    private func remove(_ file: URL) {
        do {
            try FileManager.default.removeItem(at: file)
        } catch {
            logger.error("the answers file \(file.lastPathComponent) could not be deleted after use: check the spool's permissions.")
        }
    }

    /// Any run of exactly twelve digits, as an IIN is written, shown as its first eight and four stars.
    static func maskingIINs(_ text: String) -> String {
        var result = ""
        var digits = ""
        func flush() {
            result += digits.count == 12 ? String(digits.prefix(8)) + "****" : digits
            digits = ""
        }
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }
}
