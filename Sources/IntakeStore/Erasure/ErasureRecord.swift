// SPDX-License-Identifier: Apache-2.0
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What an erasure attempt ended with (design.md: `erased`, `erased_unverified`, `not_erased`).
public enum ErasureStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The device acknowledged the erase, left, came back and showed it was erased.
    case erased
    /// The device acknowledged the erase (or the consultant confirmed a guided reset), but its return could not
    /// show it was erased.
    case erasedUnverified = "erased_unverified"
    /// Refused, failed or never sent: the certificate stays valid and the store's technician must erase it.
    case notErased = "not_erased"
}

/// How the device was (to be) erased, with its NIST SP 800-88 / IEEE 2883 category.
public enum ErasureMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// iPhone and iPad: `com.apple.mobile.MCInstall` `EraseDevice`, a cryptographic erase by the device.
    case iosMCInstall = "ios_mcinstall_erase_device"
    /// Android 16+ in ADB Trade-In Mode: `tradeinmode evaluate`, then the unprompted wipe on the next boot.
    case androidTradeInEvaluate = "android_trade_in_evaluate"
    /// Settings › Reset, done by the consultant on the device and confirmed by them.
    case guidedReset = "guided_reset"

    /// The NIST SP 800-88 sanitization category: the device's own key destruction is a Purge; a reset a person
    /// performs and only they confirm is a Clear.
    public var sanitization: String {
        switch self {
        case .iosMCInstall, .androidTradeInEvaluate: "purge"
        case .guidedReset: "clear"
        }
    }

    /// The technique, in a sentence for the record.
    public var technique: String {
        switch self {
        case .iosMCInstall:
            "Cryptographic erase by the device (MCInstall EraseDevice over the paired lockdown session): the device destroys its hardware-bound file-system key."
        case .androidTradeInEvaluate:
            "Factory reset by the device (ADB Trade-In Mode evaluate arms an unprompted wipe on the next boot): the data key is destroyed."
        case .guidedReset:
            "Factory reset from the device's Settings, performed by the consultant on the device."
        }
    }
}

/// An erasure record's number: the trade-in certificate's number and the attempt (`ALA-2611-7KA2B3-X-E1`).
public struct ErasureNumber: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let certificate: CertificateNumber
    public let attempt: Int

    public init(certificate: CertificateNumber, attempt: Int) {
        self.certificate = certificate
        self.attempt = attempt
    }

    public init?(_ text: String) {
        let upper = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let range = upper.range(of: "-E", options: .backwards), let attempt = Int(upper[range.upperBound...]),
            attempt >= 1, String(attempt) == upper[range.upperBound...], let certificate = CertificateNumber(String(upper[..<range.lowerBound]))
        else { return nil }
        self.init(certificate: certificate, attempt: attempt)
    }

    public var rawValue: String { "\(certificate.rawValue)-E\(attempt)" }
    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.certificate, lhs.attempt) < (rhs.certificate, rhs.attempt)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let number = ErasureNumber(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not an erasure number.")
        }
        self = number
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// What was checked and by whom: the record says exactly what the device showed and what only the consultant
/// confirmed.
public struct ErasureVerification: Sendable, Hashable, Codable {
    /// How it was verified, in a sentence.
    public var method: String
    /// Facts the device itself showed (`ActivationState Unactivated after the return`...).
    public var byDevice: [String]
    /// What only the consultant confirmed (the customer present and agreeing, a reset done by hand...).
    public var byConsultantOnly: [String]
    /// The result in a sentence.
    public var result: String

    public init(method: String, byDevice: [String], byConsultantOnly: [String], result: String) {
        self.method = method
        self.byDevice = byDevice
        self.byConsultantOnly = byConsultantOnly
        self.result = result
    }

    enum CodingKeys: String, CodingKey {
        case method, byDevice = "by_device", byConsultantOnly = "by_consultant_only", result
    }
}

/// The device as the record names it (NIST SP 800-88 §4.8: manufacturer, model, serial; plus its IMEIs).
public struct ErasureDevice: Sendable, Hashable, Codable {
    public var make: String
    public var model: String
    public var modelIdentifier: String
    public var serial: String
    public var imeis: [String]
    /// The media: built-in flash storage for every phone and tablet at the counter.
    public var media: String

    public init(make: String, model: String, modelIdentifier: String, serial: String, imeis: [String], media: String = "built-in flash storage") {
        self.make = make
        self.model = model
        self.modelIdentifier = modelIdentifier
        self.serial = serial
        self.imeis = imeis
        self.media = media
    }

    enum CodingKeys: String, CodingKey {
        case make, model, modelIdentifier = "model_identifier", serial, imeis, media
    }
}

/// What an erasure record will say, before it has a number and a signature.
public struct ErasureDraft: Sendable, Hashable {
    public var certificate: CertificateNumber
    public var status: ErasureStatus
    /// Why it is not `erased` (empty when it is).
    public var reason: String
    public var method: ErasureMethod
    /// The NIST SP 800-88 category the record claims (the method's, ``ErasureMethod/sanitization``).
    public var sanitization: String
    public var tool: String
    public var device: ErasureDevice
    public var verification: ErasureVerification
    public var consultant: String
    public var storeID: String
    public var startedAt: Date
    public var finishedAt: Date
    /// NIST's post-sanitization destination.
    public var destination: String

    public init(
        certificate: CertificateNumber, status: ErasureStatus, reason: String, method: ErasureMethod, tool: String,
        device: ErasureDevice, verification: ErasureVerification, consultant: String, storeID: String, startedAt: Date,
        finishedAt: Date, destination: String = "The operator's trade-in stock, with the trade-in certificate."
    ) {
        self.certificate = certificate
        self.status = status
        self.reason = reason
        self.method = method
        sanitization = method.sanitization
        self.tool = tool
        self.device = device
        self.verification = verification
        self.consultant = consultant
        self.storeID = storeID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.destination = destination
    }
}

/// Everything an erasure record's signature covers.
///
/// ## Canonical encoding (format 1)
/// The 4 ASCII bytes `IAE1`, then each field below in this order as a 2-byte big-endian length followed by that
/// many bytes of UTF-8 (lists: items joined by a line feed; items never hold one); times are ISO 8601 UTC with
/// milliseconds; the key id is its 8 raw bytes.
///
/// | # | field | # | field |
/// |---|---|---|---|
/// | 1 | number (`ALA-2611-7KA2B3-X-E1`) | 13 | media |
/// | 2 | certificate number | 14 | verification method |
/// | 3 | status | 15 | verified by the device (list) |
/// | 4 | reason (empty when erased) | 16 | confirmed by the consultant only (list) |
/// | 5 | method (``ErasureMethod`` raw value) | 17 | verification result |
/// | 6 | sanitization (`purge`, `clear`) | 18 | consultant |
/// | 7 | tool and version | 19 | store id |
/// | 8 | device make | 20 | station code |
/// | 9 | device model | 21 | started at |
/// | 10 | model identifier | 22 | finished at |
/// | 11 | device serial | 23 | destination |
/// | 12 | IMEIs (list) | 24 | key id |
///
/// The method's technique sentence is not signed: the method id is, and it keeps its meaning. The record names no
/// holder: the trade-in certificate it points to holds who traded the device in.
public struct ErasureContent: Sendable, Hashable {
    public var number: ErasureNumber
    public var status: ErasureStatus
    public var reason: String
    public var method: ErasureMethod
    public var sanitization: String
    public var tool: String
    public var device: ErasureDevice
    public var verification: ErasureVerification
    public var consultant: String
    public var storeID: String
    public var station: String
    public var startedAt: Date
    public var finishedAt: Date
    public var destination: String
    public var keyID: KeyID

    public var certificate: CertificateNumber { number.certificate }

    public init(number: ErasureNumber, draft: ErasureDraft, station: String, keyID: KeyID) {
        self.number = number
        status = draft.status
        reason = draft.reason
        method = draft.method
        sanitization = draft.sanitization
        tool = draft.tool
        device = draft.device
        verification = draft.verification
        consultant = draft.consultant
        storeID = draft.storeID
        self.station = station
        // Stored and signed to the millisecond, so the bytes signed are the bytes read back.
        startedAt = ErasureTime.normalized(draft.startedAt)
        finishedAt = ErasureTime.normalized(draft.finishedAt)
        destination = draft.destination
        self.keyID = keyID
    }

    static let magic: [UInt8] = Array("IAE1".utf8)
    static let fieldCount = 24

    private var fields: [[UInt8]] {
        let text: [String] = [
            number.rawValue, certificate.rawValue, status.rawValue, reason, method.rawValue, sanitization, tool, device.make, device.model, device.modelIdentifier, device.serial,
            device.imeis.joined(separator: "\n"), device.media, verification.method, verification.byDevice.joined(separator: "\n"),
            verification.byConsultantOnly.joined(separator: "\n"), verification.result, consultant, storeID, station,
            ErasureTime.format(startedAt), ErasureTime.format(finishedAt), destination,
        ]
        return text.map { Array($0.utf8) } + [keyID.bytes]
    }

    /// The bytes the station signs. Throws when a field is longer than 65 535 bytes or a list item holds a line
    /// feed.
    public func canonicalEncoding() throws -> [UInt8] {
        for item in device.imeis + verification.byDevice + verification.byConsultantOnly where item.contains("\n") {
            throw StoreError.invalid("An erasure record's list item holds a line break.")
        }
        var out = Self.magic
        for (index, field) in fields.enumerated() {
            guard field.count <= 0xFFFF else { throw StoreError.invalid("Erasure record field \(index + 1) is too long.") }
            out.append(UInt8(field.count >> 8))
            out.append(UInt8(field.count & 0xFF))
            out += field
        }
        return out
    }

    /// Parses a canonical encoding; `nil` for anything malformed.
    public static func decode(canonical bytes: ArraySlice<UInt8>) -> ErasureContent? {
        guard bytes.starts(with: magic) else { return nil }
        var index = bytes.startIndex + magic.count
        var fields: [[UInt8]] = []
        while fields.count < fieldCount {
            guard bytes.endIndex - index >= 2 else { return nil }
            let length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
            index += 2
            guard bytes.endIndex - index >= length else { return nil }
            fields.append(Array(bytes[index..<index + length]))
            index += length
        }
        guard index == bytes.endIndex else { return nil }
        let text = fields.dropLast().map { String(validating: $0, as: UTF8.self) }
        guard text.allSatisfy({ $0 != nil }) else { return nil }
        let t = text.map { $0! }
        func list(_ s: String) -> [String] { s.isEmpty ? [] : s.components(separatedBy: "\n") }
        guard let number = ErasureNumber(t[0]), number.rawValue == t[0], number.certificate.rawValue == t[1],
            let status = ErasureStatus(rawValue: t[2]), let method = ErasureMethod(rawValue: t[4]),
            let started = ErasureTime.parse(t[20]), let finished = ErasureTime.parse(t[21]), let keyID = KeyID(bytes: fields[23])
        else { return nil }
        var draft = ErasureDraft(
            certificate: number.certificate, status: status, reason: t[3], method: method, tool: t[6],
            device: ErasureDevice(make: t[7], model: t[8], modelIdentifier: t[9], serial: t[10], imeis: list(t[11]), media: t[12]),
            verification: ErasureVerification(method: t[13], byDevice: list(t[14]), byConsultantOnly: list(t[15]), result: t[16]),
            consultant: t[17], storeID: t[18], startedAt: started, finishedAt: finished, destination: t[22])
        draft.sanitization = t[5]
        let content = ErasureContent(number: number, draft: draft, station: t[19], keyID: keyID)
        guard (try? content.canonicalEncoding()) == Array(bytes) else { return nil }
        return content
    }
}

/// An erasure record's times: whole milliseconds, written `2026-12-02T01:02:10.123Z` from the integer count, so
/// formatting a parsed time gives the same text again (a `Date` is a binary fraction: formatting it directly can
/// read one millisecond low after a round trip, and the signed bytes would no longer be the bytes read back).
enum ErasureTime {
    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func normalized(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000) }

    static func format(_ date: Date) -> String {
        let ms = milliseconds(date)
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(ms - seconds * 1000))
    }

    static func parse(_ text: String) -> Date? {
        guard let date = Timestamp.parse(text) else { return nil }
        let normalized = normalized(date)
        return format(normalized) == text ? normalized : nil
    }
}

/// An erasure record as the registry holds it: the signed content, its signature, and whether they still match.
public struct ErasureRecord: Sendable, Hashable {
    public var content: ErasureContent
    public var signature: Data
    /// The stored row still matches its signature by a trusted station key (checked on every read).
    public var signatureValid: Bool

    public init(content: ErasureContent, signature: Data, signatureValid: Bool) {
        self.content = content
        self.signature = signature
        self.signatureValid = signatureValid
    }

    public var number: ErasureNumber { content.number }

    public func payload() throws -> ErasurePayload { try ErasurePayload(content: content, signature: signature) }

    public func verify(with keys: KeyRing) -> Bool {
        guard let canonical = try? content.canonicalEncoding() else { return false }
        return keys.isValid(signature: signature, of: canonical, by: content.keyID)
    }

    /// The `--json` form (design.md: at least `number`, `certificate`, `status`, `reason`, `method`,
    /// `verification`, `qr_payload`).
    public var summary: ErasureSummary { ErasureSummary(self) }
}

/// An erasure record for listings and JSON.
public struct ErasureSummary: Sendable, Hashable, Codable {
    public var number: ErasureNumber
    public var certificate: CertificateNumber
    public var status: ErasureStatus
    /// `null` when erased.
    public var reason: String?
    public var method: ErasureMethod
    public var sanitization: String
    public var technique: String
    public var tool: String
    public var device: ErasureDevice
    public var verification: ErasureVerification
    public var consultant: String
    public var storeID: String
    public var station: String
    public var startedAt: Date
    public var finishedAt: Date
    public var destination: String
    public var keyID: KeyID
    public var signatureValid: Bool
    public var qrPayload: String?

    init(_ record: ErasureRecord) {
        let c = record.content
        number = c.number
        certificate = c.certificate
        status = c.status
        reason = c.reason.isEmpty ? nil : c.reason
        method = c.method
        sanitization = c.sanitization
        technique = c.method.technique
        tool = c.tool
        device = c.device
        verification = c.verification
        consultant = c.consultant
        storeID = c.storeID
        station = c.station
        startedAt = c.startedAt
        finishedAt = c.finishedAt
        destination = c.destination
        keyID = c.keyID
        signatureValid = record.signatureValid
        qrPayload = try? record.payload().text
    }

    enum CodingKeys: String, CodingKey {
        case number, certificate, status, reason, method, sanitization, technique, tool, device, verification, consultant
        case storeID = "store_id", station, startedAt = "started_at", finishedAt = "finished_at", destination
        case keyID = "key_id", signatureValid = "signature_valid", qrPayload = "qr_payload"
    }
}

/// The erasure record's QR payload (Base32 of the canonical encoding and the 64-byte Ed25519 signature, as a
/// certificate's), verifiable offline by `intake-agent erasure verify`.
public typealias ErasurePayload = SignedPayload<ErasureContent>

extension ErasureContent: SignedContent {}
