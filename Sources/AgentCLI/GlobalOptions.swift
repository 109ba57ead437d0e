// SPDX-License-Identifier: Apache-2.0
public import ArgumentParser
public import Foundation
public import Logging

/// Options every subcommand of `intake-agent` and `intake-bench` shares.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(help: "The data directory (registry, keys, blocklist); defaults to $INTAKE_AGENT_DATA_DIR or ~/.local/share/intake-agent.")
    public var dataDir: String?

    @Option(help: "The configuration file; defaults work with no file at all.")
    public var config: String?

    @Option(help: "The least severe log level written to stderr.")
    public var logLevel: Logger.Level = .warning

    public init() {}

    /// The data directory in force: the flag, then `INTAKE_AGENT_DATA_DIR`, then systemd's `STATE_DIRECTORY`,
    /// then `~/.local/share/intake-agent`.
    public var resolvedDataDir: URL {
        if let dataDir { return URL(fileURLWithPath: dataDir, isDirectory: true) }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["INTAKE_AGENT_DATA_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir, isDirectory: true) }
        if let dir = env["STATE_DIRECTORY"], !dir.isEmpty { return URL(fileURLWithPath: dir, isDirectory: true) }
        let home = env["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".local/share/intake-agent")
    }

    public func makeLogger(label: String = "intake-agent") -> Logger {
        LogBootstrap.once(level: logLevel)
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `LoggingSystem.bootstrap` may run once per process.
public enum LogBootstrap {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var done = false
    public static func once(level: Logger.Level) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
