// SPDX-License-Identifier: Apache-2.0
public import ArgumentParser
import Foundation

/// Writing results and failures the way design.md asks: JSON as one object, errors as one sentence on stderr
/// with exit code 1.
public enum Output {
    /// One JSON object (or array) on stdout, keys sorted so output is stable.
    public static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    public static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// One sentence on stderr, after the program's name (`intake-agent: `, `intake-bench: `).
    public static func error(_ sentence: String) {
        FileHandle.standardError.write(Data((programName + ": " + sentence + "\n").utf8))
    }

    /// The name this program was started by, without its directory.
    static var programName: String {
        let name = URL(fileURLWithPath: CommandLine.arguments.first ?? "intake-agent").lastPathComponent
        return name.isEmpty ? "intake-agent" : name
    }
}

/// A refusal or failure a user must act on: printed as one sentence on stderr, exit code 1.
public struct Failure: Error, CustomStringConvertible {
    public let description: String
    public init(_ sentence: String) { self.description = sentence }
}

extension AsyncParsableCommand {
    /// Runs `body`, turning a `Failure` (or any other error) into one sentence on stderr and exit code 1.
    public func reportingFailures(_ body: () async throws -> Void) async throws {
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
