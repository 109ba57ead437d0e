// SPDX-License-Identifier: Apache-2.0

/// One line of a session's progress: what the console shows, what `intake` prints, what the audit log keeps.
public struct SessionUpdate: Sendable, Hashable, Codable {
    public var session: String
    public var device: String
    public var state: SessionState
    public var event: String
    /// One sentence for the consultant.
    public var message: String
    /// Milliseconds since the session started.
    public var elapsedMS: Int

    public init(session: String, device: String, state: SessionState, event: String, message: String, elapsedMS: Int) {
        self.session = session
        self.device = device
        self.state = state
        self.event = event
        self.message = message
        self.elapsedMS = elapsedMS
    }

    enum CodingKeys: String, CodingKey {
        case session, device, state, event, message, elapsedMS = "elapsed_ms"
    }
}
