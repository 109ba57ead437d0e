// SPDX-License-Identifier: Apache-2.0
import Foundation
import GRDB
import Grading
import IntakeStore
import Testing

struct SigningTests {
    // MARK: - Station key

    @Test func theStationKeyIsCreatedOnceWithMode0600() throws {
        let directory = try TemporaryDirectory()
        let first = try StationKey.loadOrCreate(in: directory.url)
        let again = try StationKey.loadOrCreate(in: directory.url)
        #expect(first.publicKey == again.publicKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path(StationKey.fileName))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(first.keyID.hex.count == 16)
        #expect(try StationKey.loadExisting(in: directory.url)?.keyID == first.keyID)
    }

    @Test func aKeyReadableByOthersOrDamagedIsRefused() throws {
        let directory = try TemporaryDirectory()
        _ = try StationKey.loadOrCreate(in: directory.url)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.path(StationKey.fileName))
        #expect(throws: StoreError.self) { try StationKey.loadOrCreate(in: directory.url) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path(StationKey.fileName))
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: directory.path(StationKey.fileName)))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: directory.path(StationKey.fileName))
        do {
            _ = try StationKey.loadOrCreate(in: directory.url)
            Issue.record("a damaged key loaded")
        } catch let error as StoreError {
            #expect(error.description.contains("damaged"))
        }
    }

    // MARK: - Key list

    @Test func theKeyListFileParsesAndNamesBadLines() throws {
        let a = StationKey.generate()
        let b = StationKey.generate()
        let ring = try KeyRing(text: "# chain keys\n\(a.keyListLine)\n\n\(b.publicKey.base64EncodedString())  # Astana\n", source: "keys.txt")
        #expect(Set(ring.keys.keys) == [a.keyID, b.keyID])
        do {
            _ = try KeyRing(text: "\(a.keyListLine)\nAAAA\n", source: "keys.txt")
            Issue.record("a bad line was accepted")
        } catch let error as StoreError {
            #expect(error.description.contains("Line 2 of the key list keys.txt"))
        }
    }

    // MARK: - Payload

    private func issued() async throws -> (Station, Certificate, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let station = try Station(dataDirectory: directory.url)
        let certificate = try await station.issuer.issue(Fixtures.request(serial: "DX3VK1ABN70F"), consultant: "a", at: Fixtures.fixedTime)
        return (station, certificate, directory)
    }

    @Test func thePayloadRoundTripsAndVerifiesOfflineWithTheKeyList() async throws {
        let (station, certificate, _) = try await issued()
        let text = try certificate.payload().text
        #expect(text.allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        let decoded = try #require(CertificatePayload(text: text))
        #expect(decoded.content == certificate.content)
        #expect(decoded.verify(with: try station.keyRing()))
        // Another chain's keys do not vouch for it.
        var stranger = KeyRing()
        try stranger.add(publicKey: StationKey.generate().publicKey)
        #expect(!decoded.verify(with: stranger))
        // A scanner that lower-cases or wraps the text still reads it.
        #expect(CertificatePayload(text: text.lowercased().enumerated().map { $0.offset % 50 == 49 ? "\($0.element)\n" : "\($0.element)" }.joined())?.content == certificate.content)
    }

    @Test func flippingAnyBitOfThePayloadFailsVerification() async throws {
        let (station, certificate, _) = try await issued()
        let ring = try station.keyRing()
        let payload = try certificate.payload()
        let bytes = payload.canonical + Array(payload.signature)
        var checked = 0
        for index in bytes.indices {
            for bit in [0, 3, 7] {
                var altered = bytes
                altered[index] ^= 1 << UInt8(bit)
                let text = Base32Text.encode(altered)
                if let decoded = CertificatePayload(text: text) {
                    #expect(!decoded.verify(with: ring), "byte \(index) bit \(bit)")
                }
                checked += 1
            }
        }
        #expect(checked == bytes.count * 3)
    }

    // MARK: - Tampering with the stored certificate

    @Test func flippingAnyByteOfAnySignedFieldOfAStoredCertificateFailsVerify() async throws {
        let (station, certificate, directory) = try await issued()
        let ring = try station.keyRing()
        let database = try DatabaseQueue(path: directory.path(SQLiteRegistry.fileName))
        // The attacker has the file: the triggers that forbid such updates go first.
        try await database.write { try $0.execute(sql: "DROP TRIGGER certificate_signed_fields_never_change") }
        let number = certificate.number.rawValue
        let columns = [
            "store_id", "issued_on", "expires_on", "amount_kzt", "holder_name", "holder_iin_masked", "holder_commitment",
            "holder_iin", "holder_salt", "device_key", "device_serial", "model_identifier", "model_name", "grade",
            "rule_set", "key_id", "signature",
        ]
        var flips = 0
        for column in columns {
            let original = try #require(try database.read { db in
                try Row.fetchOne(db, sql: "SELECT \(column) AS v, typeof(\(column)) AS t FROM certificate WHERE number = ?", arguments: [number])
            })
            let type: String = original["t"]
            let value: [UInt8]
            switch type {
            case "blob": value = Array(original["v"] as Data)
            case "integer": value = Array(String(original["v"] as Int).utf8)
            default: value = Array((original["v"] as String).utf8)
            }
            #expect(!value.isEmpty, "\(column)")
            let originalValue: DatabaseValue = original["v"]
            for index in value.indices {
                var flipped = value
                flipped[index] ^= 0x01
                let altered = flipped
                try await database.write { db in
                    switch type {
                    case "blob":
                        try db.execute(sql: "UPDATE certificate SET \(column) = ? WHERE number = ?", arguments: [Data(altered), number])
                    case "integer":
                        let text = String(decoding: altered, as: UTF8.self)
                        try db.execute(sql: "UPDATE certificate SET \(column) = CAST(? AS INTEGER) WHERE number = ?", arguments: [text, number])
                    default:
                        try db.execute(sql: "UPDATE certificate SET \(column) = CAST(? AS TEXT) WHERE number = ?", arguments: [Data(altered), number])
                    }
                }
                let verified: Bool
                do {
                    verified = try await station.registry.certificate(certificate.number)?.verify(with: ring) ?? false
                } catch is StoreError {
                    verified = false  // the row no longer parses: reported, not crashed on
                }
                #expect(!verified, "\(column) byte \(index)")
                flips += 1
            }
            try await database.write { db in
                try db.execute(sql: "UPDATE certificate SET \(column) = ? WHERE number = ?", arguments: [originalValue, number])
            }
            #expect(try await station.registry.certificate(certificate.number)?.verify(with: ring) == true, "\(column) restored")
        }
        #expect(flips > 200)
    }
}

/// RFC 4648 Base32 for building altered payloads in tests (the module's encoder is internal).
enum Base32Text {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8 | Int(byte)) & 0xFFFF
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[(buffer >> bits) & 31])
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }
}
