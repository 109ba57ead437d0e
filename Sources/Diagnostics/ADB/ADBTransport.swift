// SPDX-License-Identifier: Apache-2.0

/// A byte carrier for ADB messages: TCP (`ADBTCPTransport`) or USB bulk endpoints (`ADBUSBTransport`).
///
/// The calls block; `ADBConnection` makes them on its own reader thread and serial writer queue, never on the
/// cooperative pool. `close()` may be called from any thread and makes a blocked read return with an error.
public protocol ADBTransport: Sendable {
    /// Sends one message as header bytes and payload: USB as two bulk transfers, TCP in one write. (The bytes
    /// are passed as they are, so the simulated adbd can send broken headers on purpose.)
    func write(header: [UInt8], payload: [UInt8]) throws(ADBError)
    /// Reads exactly the 24 header bytes of the next message.
    func readHeader() throws(ADBError) -> [UInt8]
    /// Reads exactly `count` payload bytes.
    func readPayload(count: Int) throws(ADBError) -> [UInt8]
    /// Ends the connection; a blocked read returns `ADBError.disconnected`.
    func close()
    /// Where the phone is, for messages: `127.0.0.1:5555` or `usb 1-4`.
    var endpoint: String { get }
}

extension ADBTransport {
    /// Sends one message.
    public func write(_ packet: ADBPacket) throws(ADBError) {
        try write(header: packet.encodedHeader(), payload: packet.payload)
    }
}
