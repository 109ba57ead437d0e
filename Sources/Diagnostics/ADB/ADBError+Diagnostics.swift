// SPDX-License-Identifier: Apache-2.0

extension DiagnosticsError {
    /// The sentence for an error of our ADB engine, with the error kept as `underlying`.
    public init(_ adb: ADBError, file: String = #fileID, line: Int = #line) {
        switch adb {
        case .connectFailed(let endpoint, let reason):
            self = .unreachable(endpoint: endpoint, reason: reason, underlying: adb, file: file, line: line)
        case .malformedHeader(let what):
            self = .protocolViolation(detail: "a malformed ADB message header: \(what)", underlying: adb, file: file, line: line)
        case .badMagic:
            self = .protocolViolation(detail: "an ADB message with a bad magic word", underlying: adb, file: file, line: line)
        case .badChecksum:
            self = .protocolViolation(
                detail: "an ADB payload whose checksum was wrong; a worn cable or port can cause this", underlying: adb, file: file, line: line)
        case .oversizePayload(let length, let maximum):
            self = .protocolViolation(
                detail: "an ADB payload of \(length) bytes, over the negotiated maximum of \(maximum)", underlying: adb, file: file, line: line)
        case .protocolViolation(let what):
            self = .protocolViolation(detail: what, underlying: adb, file: file, line: line)
        case .disconnected:
            self = .deviceGone(underlying: adb, file: file, line: line)
        case .timedOut(let what, let seconds):
            self = .timedOut(what, seconds: seconds, underlying: adb, file: file, line: line)
        case .unauthorized:
            self = .notTrusted(underlying: adb, file: file, line: line)
        case .serviceRefused(let service):
            self = .refused("the ADB service `\(service)`", underlying: adb, file: file, line: line)
        case .usb(let usb):
            let sentence = DiagnosticsError(usb, file: file, line: line)
            self = DiagnosticsError(sentence.code, sentence.message, underlying: adb, file: file, line: line)
        case .transport(let what):
            self = .transportFailed(what, underlying: adb, file: file, line: line)
        }
    }

    /// An error leaving the ADB engine at the module boundary: the engine's own errors become their sentence;
    /// a ``DiagnosticsError`` and anything else (cancellation) pass as they are.
    static func leavingADB(_ error: any Error, file: String = #fileID, line: Int = #line) -> any Error {
        if let adb = error as? ADBError { return DiagnosticsError(adb, file: file, line: line) }
        return error
    }
}
