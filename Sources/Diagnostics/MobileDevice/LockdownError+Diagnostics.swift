// SPDX-License-Identifier: Apache-2.0

extension DiagnosticsError {
    /// lockdownd refused or failed the request made while reading `step`; the error is kept as `underlying`.
    static func refused(reading step: String, _ error: LockdownError, file: String = #fileID, line: Int = #line) -> DiagnosticsError {
        .refused("reading \(step)", detail: "\(error)", underlying: error, file: file, line: line)
    }
}
