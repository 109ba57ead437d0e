// SPDX-License-Identifier: Apache-2.0
public import ArgumentParser
import Foundation

/// Writing results and failures the way design.md asks: JSON as one object, errors as one sentence on stderr
/// with exit code 1.
public enum Output {
    /// One JSON object (or array) on stdout, keys sorted so output is stable.
    public static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws {
        let encoder = JSONEncoder()
        // Times are ISO 8601 everywhere (design.md), never Foundation's default of seconds since 2001.
        encoder.dateEncodingStrategy = .iso8601
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
            Output.error(UserFacing.sentence(for: error))
            throw ExitCode.failure
        }
    }
}

/// The one sentence a user reads for an error that is not already one: Foundation's file errors
/// (`NSCocoaErrorDomain ...`) and SQLite's (`SQLite error 10: ...`) never reach a user as they are.
enum UserFacing {
    static func sentence(for error: any Error) -> String {
        if let cocoa = error as? CocoaError {
            let file = cocoa.filePath ?? cocoa.url?.path
            let place = file.map { "the file \($0)" } ?? "a file"
            switch cocoa.code {
            case .fileNoSuchFile, .fileReadNoSuchFile:
                return "Cannot find \(place): check the path."
            case .fileReadNoPermission, .fileWriteNoPermission:
                return "No permission to use \(place): check its owner and mode."
            case .fileWriteOutOfSpace:
                return "The disk is full, so \(place) could not be written: free some space and try again."
            case .fileReadCorruptFile, .fileReadInapplicableStringEncoding:
                return "Cannot read \(place): it is damaged or not text in UTF-8."
            default:
                return "Cannot use \(place) (Foundation error \(cocoa.code.rawValue)): check the path, its permissions and the disk."
            }
        }
        let text = String(describing: error)
        if text.hasPrefix("SQLite error") || text.contains("NSCocoaErrorDomain") {
            return "The data directory could not be read or written: check its disk and permissions, and restore the registry from the backup if it repeats."
        }
        return text
    }
}
