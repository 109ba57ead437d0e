// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation

/// Writing results and failures the way design.md asks: JSON as one object, errors as one sentence on stderr
/// with exit code 1.
enum Output {
    /// One JSON object (or array) on stdout, keys sorted so output is stable.
    static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ sentence: String) {
        FileHandle.standardError.write(Data(("intake-agent: " + sentence + "\n").utf8))
    }
}

/// A refusal or failure a user must act on: printed as one sentence on stderr, exit code 1.
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ sentence: String) { self.description = sentence }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a `Failure` (or any other error) into one sentence on stderr and exit code 1.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch let failure as Failure {
            Output.error(failure.description)
            throw ExitCode.failure
        } catch {
            Output.error(String(describing: error))
            throw ExitCode.failure
        }
    }
}
