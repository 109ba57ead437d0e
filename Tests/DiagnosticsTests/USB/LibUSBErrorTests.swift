// SPDX-License-Identifier: Apache-2.0
import Diagnostics
import Testing

/// libusb's codes map onto `LibUSBError` and read as one sentence saying what to do.
struct LibUSBErrorTests {
    @Test(arguments: [
        (LibUSBError.access, "LIBUSB_ERROR_ACCESS", "51-intake-agent.rules"),
        (.noDevice, "LIBUSB_ERROR_NO_DEVICE", "plug it in again"),
        (.timeout, "LIBUSB_ERROR_TIMEOUT", "did not answer"),
        (.busy, "LIBUSB_ERROR_BUSY", "another program"),
        (.pipe, "LIBUSB_ERROR_PIPE", "refused"),
        (.io, "LIBUSB_ERROR_IO", "replug"),
        (LibUSBError(rawValue: -42), "**UNKNOWN**", "replug"),
    ])
    func errorsNameTheCodeAndSayWhatToDo(_ error: LibUSBError, _ name: String, _ advice: String) {
        #expect(error.name == name)
        #expect(error.description.contains(advice))
        #expect(error.description.hasSuffix("."))
    }

    @Test func unknownCodesKeepTheirValueAndMatchByPattern() {
        let error: any Error = LibUSBError(rawValue: -42)
        #expect((error as? LibUSBError)?.rawValue == -42)
        #expect(LibUSBError.noDevice ~= LibUSBError(rawValue: -4))
        #expect(!(LibUSBError.noDevice ~= error))
    }
}
