// SPDX-License-Identifier: Apache-2.0
import Foundation
import GRDB
import Grading
import IntakeStore
import Testing

/// The erasure records in the real SQLite registry: numbering, the certificate's status, append-only, and the
/// signed encoding behind the QR payload.
struct ErasureRecordsTests {
    let directory: TemporaryDirectory
    let station: Station

    init() throws {
        directory = try TemporaryDirectory()
        station = try Station(dataDirectory: directory.url)
    }

    func issued(_ device: Int = 1) async throws -> Certificate {
        try await station.issuer.issue(Fixtures.request(device: device), consultant: "aigerim", at: Fixtures.fixedTime)
    }

    func draft(_ certificate: Certificate, _ status: ErasureStatus, reason: String = "") -> ErasureDraft {
        ErasureDraft(
            certificate: certificate.number, status: status, reason: reason, method: .iosMCInstall, tool: "intake-agent test",
            device: ErasureDevice(make: "Apple", model: "iPhone 11", modelIdentifier: "iPhone12,1", serial: "DX3VK1ABN70F", imeis: [Fixtures.imei(1)]),
            verification: ErasureVerification(
                method: "Read back", byDevice: ["ActivationState Unactivated after the return."],
                byConsultantOnly: ["The customer agreed."], result: status.rawValue),
            consultant: "aigerim", storeID: certificate.content.storeID, startedAt: Fixtures.fixedTime,
            finishedAt: Fixtures.fixedTime.addingTimeInterval(95.1234))
    }

    func record(_ draft: ErasureDraft) async throws -> ErasureRecord {
        try await station.registry.recordErasure(draft, signer: station.key, station: station.issuer.station, at: Fixtures.fixedTime)
    }

    @Test func attemptsAreNumberedPerCertificateAndAnErasedDeviceIsNotErasedTwice() async throws {
        let certificate = try await issued()
        let first = try await record(draft(certificate, .notErased, reason: "Find My is on."))
        #expect(first.number.rawValue == certificate.number.rawValue + "-E1")
        let second = try await record(draft(certificate, .erased))
        #expect(second.number.attempt == 2)
        #expect(ErasureNumber(second.number.rawValue.lowercased()) == second.number)
        await #expect(throws: StoreError.self) { try await record(draft(certificate, .erasedUnverified)) }
        let all = try await station.registry.erasures(of: certificate.number)
        #expect(all.map(\.content.status) == [.notErased, .erased])
        #expect(all.allSatisfy { $0.signatureValid })
        #expect(try await station.registry.erasure(second.number)?.content == second.content)
        #expect(try await station.registry.listErasures(limit: 1).count == 1)
    }

    @Test func onlyAnIssuedOrPrintedCertificatesDeviceIsRecorded() async throws {
        let certificate = try await issued()
        _ = try await station.registry.void(certificate.number, reason: "wrong holder", consultant: "aigerim", at: Fixtures.fixedTime)
        do {
            _ = try await record(draft(certificate, .erased))
            Issue.record("an erasure of a voided certificate's device was recorded")
        } catch let error as StoreError {
            #expect(error.description.contains("voided"), "\(error)")
        }
        #expect(try await station.registry.erasures(of: certificate.number).isEmpty)
    }

    @Test func theDatabaseRefusesChangesDeletionsAndReplacements() async throws {
        let certificate = try await issued()
        let stored = try await record(draft(certificate, .notErased, reason: "Refused."))
        let queue = try DatabaseQueue(path: directory.path(SQLiteRegistry.fileName))
        for sql in [
            "UPDATE erasure SET status = 'erased'",
            "DELETE FROM erasure",
            "INSERT OR REPLACE INTO erasure SELECT * FROM erasure",
        ] {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.inDatabase { try $0.execute(sql: sql) } }
        }
        #expect(try await station.registry.erasure(stored.number)?.signatureValid == true)
    }

    @Test func thePayloadRoundTripsAndAnyChangedByteFailsVerification() async throws {
        let certificate = try await issued()
        let stored = try await record(draft(certificate, .erased))
        let text = try stored.payload().text
        let decoded = try #require(ErasurePayload(text: text.lowercased()))
        #expect(decoded.content == stored.content)
        let ring = try station.keyRing()
        #expect(decoded.verify(with: ring))
        // The encoding holds no holder: neither the full nor the masked IIN.
        #expect(!String(decoding: decoded.canonical, as: UTF8.self).contains("900101"))
        var bytes = decoded.canonical
        let changedAt = bytes.count - 20
        bytes[changedAt] ^= 0x01
        // A letter of the destination, still well-formed text: it decodes, and the signature no longer holds.
        let forged = try #require(ErasureContent.decode(canonical: bytes[...]))
        #expect(forged.destination != stored.content.destination)
        #expect(!ring.isValid(signature: decoded.signature, of: bytes, by: forged.keyID))
        #expect(ErasureContent.decode(canonical: decoded.canonical.dropLast()) == nil, "a truncated encoding is no record")
        #expect(ErasurePayload(text: try certificate.payload().text) == nil, "a certificate's payload is not an erasure record's")
    }

    /// Times of every millisecond decode back to the bytes signed (a `Date` formatted directly can read a
    /// millisecond low after a round trip, which made one record in a few unverifiable).
    @Test func everyMillisecondRoundTripsThroughTheEncoding() async throws {
        let certificate = try await issued()
        for offset in 0..<2_000 {
            var d = draft(certificate, .erased)
            d.startedAt = Date().addingTimeInterval(Double(offset) * 0.001 + Double.random(in: 0..<0.001))
            d.finishedAt = d.startedAt.addingTimeInterval(61.017)
            let content = ErasureContent(number: ErasureNumber(certificate: certificate.number, attempt: 1), draft: d, station: "KA", keyID: station.key.keyID)
            let bytes = try content.canonicalEncoding()
            #expect(ErasureContent.decode(canonical: bytes[...]) == content, "\(d.startedAt.timeIntervalSince1970)")
        }
    }

    @Test func listItemsWithALineBreakOrControlCharactersAreRefused() async throws {
        let certificate = try await issued()
        var bad = draft(certificate, .erased)
        bad.verification.byDevice = ["two\nlines"]
        await #expect(throws: StoreError.self) { try await record(bad) }
        #expect(try await station.registry.erasures(of: certificate.number).isEmpty)
    }
}
