// SPDX-License-Identifier: Apache-2.0
import Diagnostics
public import Foundation
import HummingbirdBcrypt
public import IntakeStore
import Synchronization

/// Logins and the tokens they give: a bearer token for scripts and the page, the same value in an HttpOnly,
/// SameSite=Strict cookie, and a CSRF token that changes made with the cookie must send back. Tokens live in
/// memory for the shift (a restarted daemon asks everyone to log in again).
public final class ConsoleAuth: Sendable {
    public struct Settings: Sendable {
        /// How long a login lasts: the shift.
        public var tokenLifetime: Duration = .seconds(12 * 3600)
        /// Wrong PINs in a row that lock a consultant, and for how long.
        public var lockAfter = 5
        public var lockFor: Duration = .seconds(5 * 60)
        public init() {}
    }

    public struct Login: Sendable {
        public var token: String
        public var csrfToken: String
        public var consultant: Consultant
        public var expiresAt: Date
    }

    /// Why a login was refused, as the API answers it.
    public enum Refusal: Error, Sendable, Equatable {
        /// 401: unknown consultant, disabled, or wrong PIN.
        case wrongPIN
        /// 423: locked after repeated failures, until the date.
        case locked(until: Date)
    }

    let directory: any ConsultantDirectory
    let settings: Settings
    private let tokens = Mutex<[String: Login]>([:])

    public init(directory: any ConsultantDirectory, settings: Settings = Settings()) {
        self.directory = directory
        self.settings = settings
    }

    /// Checks the PIN (bcrypt, on a thread of its own: it is slow on purpose) and opens a login.
    public func login(consultant id: String, pin: String, at now: Date = Date()) async throws -> Login {
        guard let credentials = try await directory.credentials(id), !credentials.consultant.disabled else {
            // The same time as a real check, so that a wrong id and a wrong PIN cannot be told apart.
            _ = await BlockingWork.run("bcrypt") { Bcrypt.verify(pin, hash: ConsoleAuth.decoyHash) }
            throw Refusal.wrongPIN
        }
        if let until = credentials.consultant.lockedUntil, until > now { throw Refusal.locked(until: until) }
        let hash = credentials.pinHash
        let right = await BlockingWork.run("bcrypt") { Bcrypt.verify(pin, hash: hash) }
        guard right else {
            let seconds = Double(settings.lockFor.components.seconds)
            if let until = try await directory.recordFailedLogin(id, at: now, lockAfter: settings.lockAfter, lockFor: seconds) {
                throw Refusal.locked(until: until)
            }
            throw Refusal.wrongPIN
        }
        try await directory.recordLogin(id, at: now)
        let login = Login(
            token: Self.randomToken(), csrfToken: Self.randomToken(), consultant: credentials.consultant,
            expiresAt: now.addingTimeInterval(Double(settings.tokenLifetime.components.seconds)))
        tokens.withLock { tokens in
            tokens = tokens.filter { $0.value.expiresAt > now }
            tokens[login.token] = login
        }
        return login
    }

    /// The login a token belongs to, while it lasts.
    public func login(token: String, at now: Date = Date()) -> Login? {
        tokens.withLock { tokens in
            guard let login = tokens[token] else { return nil }
            guard login.expiresAt > now else {
                tokens[token] = nil
                return nil
            }
            return login
        }
    }

    /// Whether the consultant may still act: `consultant disable` runs in another process, so every request asks
    /// the registry (one indexed read), and a disabled consultant's logins end with their next request.
    public func stillEnabled(_ login: Login) async throws -> Bool {
        guard let credentials = try await directory.credentials(login.consultant.id), !credentials.consultant.disabled else {
            logout(token: login.token)
            return false
        }
        return true
    }

    public func logout(token: String) {
        _ = tokens.withLock { $0.removeValue(forKey: token) }
    }

    /// Hashes a new PIN (at least four digits) for `consultant add`.
    public static func hash(pin: String) throws -> String {
        guard pin.count >= 4, pin.count <= 12, pin.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw PINError()
        }
        return Bcrypt.hash(pin, cost: 10)
    }

    public struct PINError: Error, CustomStringConvertible {
        public var description: String { "A PIN is 4 to 12 digits: type digits only." }
    }

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// A hash of a PIN nobody has, checked when the consultant does not exist.
    static let decoyHash = Bcrypt.hash("decoy-pin-never-used", cost: 10)
}
