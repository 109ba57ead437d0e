// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// Content the station signs and a QR code carries: a canonical encoding that decodes back to itself, and the
/// id of the key that signs it (``CertificateContent``, ``ErasureContent``).
public protocol SignedContent: Sendable, Hashable {
    var keyID: KeyID { get }
    func canonicalEncoding() throws -> [UInt8]
    /// `nil` for anything that is not a well-formed canonical encoding.
    static func decode(canonical bytes: ArraySlice<UInt8>) -> Self?
}

/// A QR payload: Base32 (RFC 4648 alphabet, upper case, no padding) of the canonical encoding followed by the
/// 64-byte Ed25519 signature.
///
/// Upper-case Base32 uses only characters of the QR alphanumeric mode (5.5 bits a character), so the symbol is
/// about 18% smaller than Base64 in byte mode: a typical certificate (≈ 330 bytes) fits a version 14–15 symbol,
/// 85 modules with its quiet zone, 4 dots a module on a 58 mm printer's 384 dots.
public struct SignedPayload<Content: SignedContent>: Sendable, Hashable {
    public let content: Content
    public let canonical: [UInt8]
    public let signature: Data

    public init(content: Content, signature: Data) throws {
        self.content = content
        self.canonical = try content.canonicalEncoding()
        self.signature = signature
    }

    /// The text the QR code carries.
    public var text: String { Base32.encode(canonical + Array(signature)) }

    /// Parses a scanned or typed payload (case and whitespace forgiven); `nil` when it is not one.
    public init?(text: String) {
        let cleaned = text.uppercased().filter { !$0.isWhitespace }
        guard let bytes = Base32.decode(cleaned), bytes.count > 64 + 4,
            let content = Content.decode(canonical: bytes.dropLast(64))
        else { return nil }
        self.content = content
        self.canonical = Array(bytes.dropLast(64))
        self.signature = Data(bytes.suffix(64))
    }

    /// Whether the signature is a valid signature of the decoded fields by a key in `keys`.
    public func verify(with keys: KeyRing) -> Bool {
        keys.isValid(signature: signature, of: canonical, by: content.keyID)
    }
}

/// A certificate's QR payload.
public typealias CertificatePayload = SignedPayload<CertificateContent>

extension CertificateContent: SignedContent {}

/// RFC 4648 Base32, upper case, without padding.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    private static let reverse: [UInt8: UInt8] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt8($0)) })

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.utf8 {
            guard let value = reverse[character] else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        // Leftover bits must be padding zeros, or the text was not made by `encode`.
        guard bits < 5, buffer & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return out
    }
}
