// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Testing

/// libusb's codes map onto `LibUSBError`, which keeps libusb's name, and read as one `DiagnosticsError` sentence
/// saying what to do.
struct LibUSBErrorTests {
    @Test(arguments: [
        (LibUSBError.access, "LIBUSB_ERROR_ACCESS", DiagnosticsError.Code.permissionDenied, "51-intake-agent.rules"),
        (.noDevice, "LIBUSB_ERROR_NO_DEVICE", .deviceGone, "plug it back in"),
        (.timeout, "LIBUSB_ERROR_TIMEOUT", .timedOut, "did not answer"),
        (.busy, "LIBUSB_ERROR_BUSY", .busy, "another program"),
        (.pipe, "LIBUSB_ERROR_PIPE", .refused, "refused"),
        (.io, "LIBUSB_ERROR_IO", .transportFailed, "replug"),
        (LibUSBError(rawValue: -42), "**UNKNOWN**", .transportFailed, "replug"),
    ])
    func errorsNameTheCodeAndSayWhatToDo(_ error: LibUSBError, _ name: String, _ code: DiagnosticsError.Code, _ advice: String) {
        #expect(error.name == name)
        #expect(error.description.hasPrefix(name))
        let sentence = DiagnosticsError(error)
        #expect(sentence.code == code)
        #expect(sentence.message.contains(advice))
        #expect(sentence.message.hasSuffix("."))
        #expect(sentence.underlying as? LibUSBError == error)
    }

    @Test func unknownCodesKeepTheirValueAndMatchByPattern() {
        let error: any Error = LibUSBError(rawValue: -42)
        #expect((error as? LibUSBError)?.rawValue == -42)
        #expect(LibUSBError.noDevice ~= LibUSBError(rawValue: -4))
        #expect(!(LibUSBError.noDevice ~= error))
    }
}
