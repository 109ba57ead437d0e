// SPDX-License-Identifier: Apache-2.0

/// One simulated Android phone: what its adbd announces and what its shell answers.
public struct ADBDeviceProfile: Sendable, Hashable {
    /// A short name for logs and the demo (`samsung-s10`).
    public var name: String
    /// System properties `getprop` prints.
    public var properties: [String: String]
    /// Files `cat` and `ls` see (path → contents).
    public var files: [String: String]
    /// Answers of other commands, by the command's words joined with single spaces (`dumpsys battery`).
    public var commands: [String: CommandOutput]
    /// `CNXN` features (`shell_v2`, `cmd`, ...).
    public var features: Set<String>
    /// `CNXN` protocol version.
    public var protocolVersion: UInt32
    /// `CNXN` maximum payload.
    public var maxPayload: Int
    /// ADB trade-in mode (Android 15+ setup wizard): no authorisation, and only `tradeinmode` commands run.
    public var tradeInMode: Bool
    /// The old `shell:` service runs commands on a pty, which turns `\n` into `\r\n`.
    public var ptyLineEndings: Bool

    public struct CommandOutput: Sendable, Hashable {
        public var stdout: String
        public var stderr: String
        public var exitCode: UInt8
        public init(stdout: String, stderr: String = "", exitCode: UInt8 = 0) {
            self.stdout = stdout
            self.stderr = stderr
            self.exitCode = exitCode
        }
    }

    public init(
        name: String, properties: [String: String], files: [String: String] = [:], commands: [String: CommandOutput] = [:],
        features: Set<String> = ADBDeviceProfile.modernFeatures, protocolVersion: UInt32 = 0x0100_0001,
        maxPayload: Int = 1024 * 1024, tradeInMode: Bool = false, ptyLineEndings: Bool = false
    ) {
        self.name = name
        self.properties = properties
        self.files = files
        self.commands = commands
        self.features = features
        self.protocolVersion = protocolVersion
        self.maxPayload = maxPayload
        self.tradeInMode = tradeInMode
        self.ptyLineEndings = ptyLineEndings
    }

    /// What a recent adbd announces.
    public static let modernFeatures: Set<String> = [
        "shell_v2", "cmd", "stat_v2", "ls_v2", "fixed_push_mkdir", "apex", "abb", "fixed_push_symlink_timestamp",
        "abb_exec", "remount_shell", "track_app", "sendrecv_v2", "sendrecv_v2_brotli", "sendrecv_v2_lz4",
        "sendrecv_v2_zstd", "sendrecv_v2_dry_run_send",
    ]

    /// The `CNXN` banner adbd sends (`device::ro.product.name=...;ro.product.model=...;ro.product.device=...;features=...`).
    public var bannerText: String {
        let p = properties
        return "device::ro.product.name=\(p["ro.product.name"] ?? "");ro.product.model=\(p["ro.product.model"] ?? "");"
            + "ro.product.device=\(p["ro.product.device"] ?? "");features=" + features.sorted().joined(separator: ",")
    }
}
