// SPDX-License-Identifier: Apache-2.0
import Crypto
public import Foundation

/// The chain's station public keys a verifier trusts, by key id.
///
/// The file format (`certificate verify --keys FILE`): one key a line, the raw 32-byte Ed25519 public key in Base64,
/// optionally followed by whitespace and a label (`intake-agent certificate key` prints this station's line);
/// blank lines and `#` comments are ignored.
public struct KeyRing: Sendable {
    public private(set) var keys: [KeyID: Data] = [:]

    public init() {}

    public mutating func add(publicKey raw: Data) throws {
        guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else {
            throw StoreError.invalid("A station public key must be 32 bytes of Ed25519 key.")
        }
        keys[KeyID(publicKey: raw)] = raw
    }

    /// Parses a key list; errors name the file and the line.
    public init(contentsOf url: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw StoreError.invalid("Cannot read the key list \(url.path): check the path.")
        }
        try self.init(text: text, source: url.path)
    }

    public init(text: String, source: String) throws {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let field = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).first else { continue }
            guard let raw = Data(base64Encoded: String(field)), raw.count == 32 else {
                throw StoreError.invalid(
                    "Line \(index + 1) of the key list \(source) is not a Base64 Ed25519 public key: fix or remove it.")
            }
            try add(publicKey: raw)
        }
    }

    /// Whether `signature` over `message` was made by the key `keyID` names.
    public func isValid(signature: Data, of message: [UInt8], by keyID: KeyID) -> Bool {
        guard let raw = keys[keyID], let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            return false
        }
        return key.isValidSignature(signature, for: message)
    }
}
