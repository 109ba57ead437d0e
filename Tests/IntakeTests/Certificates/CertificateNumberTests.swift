// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import IntakeStore
import Testing

struct CertificateNumberTests {
    static let station = StationCode("7K")!
    static let day = CivilDate(year: 2026, month: 11, day: 23)!

    struct Case: Sendable, CustomTestStringConvertible {
        let storeID: String
        let sequence: Int
        let expectedPrefix: String
        var testDescription: String { "\(storeID) #\(sequence)" }
    }

    @Test(arguments: [
        Case(storeID: "ALA-SAMAL2-100", sequence: 0, expectedPrefix: "ALA-2611-7K2222-"),
        Case(storeID: "AST-KHAN-SHATYR", sequence: 1, expectedPrefix: "AST-2611-7K2223-"),
        Case(storeID: "KOK-AKAN-SERY-91", sequence: 31, expectedPrefix: "KOK-2611-7K2232-"),
        Case(storeID: "SHY-PLAZA", sequence: CertificateNumber.sequenceCapacity - 1, expectedPrefix: "SHY-2611-7KYYYY-"),
    ])
    func formatsAndParsesBack(_ c: Case) throws {
        let number = CertificateNumber(storeID: c.storeID, issuedOn: Self.day, station: Self.station, sequence: c.sequence)
        #expect(number.rawValue.hasPrefix(c.expectedPrefix))
        #expect(number.rawValue.count == 17)
        #expect(CertificateNumber(number.rawValue) == number)
        #expect(CertificateNumber("  " + number.rawValue.lowercased() + "\n") == number)
    }

    @Test func theCheckCharacterCatchesEverySingleMistypeInTheSerial() {
        var checked = 0
        for sequence in stride(from: 0, to: CertificateNumber.sequenceCapacity, by: 9973) {
            let number = CertificateNumber(storeID: "ALA-SAMAL2-100", issuedOn: Self.day, station: Self.station, sequence: sequence)
            let characters = Array(number.rawValue)
            // Every position: prefix letters, month digits, station and sequence characters, the check itself.
            for position in [0, 1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 16] {
                let legal: [Character] = switch position {
                case 0...2: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                case 4...7: Array("0123456789")
                default: CertificateNumber.alphabet
                }
                for replacement in legal where replacement != characters[position] {
                    var typo = characters
                    typo[position] = replacement
                    #expect(CertificateNumber(String(typo)) == nil, "\(String(typo)) passed")
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
    }

    @Test func theCheckCharacterCatchesSwappedNeighbours() {
        let number = CertificateNumber(storeID: "ALA-SAMAL2-100", issuedOn: Self.day, station: Self.station, sequence: 12345)
        let characters = Array(number.rawValue)
        for position in [0, 1, 4, 5, 6, 9, 10, 11, 12, 13] where characters[position] != characters[position + 1] {
            var swapped = characters
            swapped.swapAt(position, position + 1)
            #expect(CertificateNumber(String(swapped)) == nil, "\(String(swapped)) passed")
        }
    }

    @Test(arguments: ["", "ALA-2611-7K2222", "ALA-2613-7K2222-X", "ALA-2611-7K0222-X", "AL1-2611-7K2222-X", "ALA-2611-7K2222-XX"])
    func rejectsMalformedNumbers(_ text: String) {
        #expect(CertificateNumber(text) == nil)
    }

    @Test func theStationCodeComesFromTheKeyID() throws {
        // 0x03C0 = 960 = 30 × 31 + 30: the last code.
        let id = try #require(KeyID(hex: "03c0000000000000"))
        #expect(StationCode(keyID: id).rawValue == "YY")
        let zero = try #require(KeyID(hex: "0000000000000000"))
        #expect(StationCode(keyID: zero).rawValue == "22")
        #expect(StationCode("o1") == nil)
    }
}
