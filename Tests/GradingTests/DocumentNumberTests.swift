// SPDX-License-Identifier: Apache-2.0
import Grading
import Testing

@Suite("Identity document numbers")
struct DocumentNumberTests {
    @Test(arguments: [
        ("N12345678", "N123*****"), ("012345678", "0123*****"), (" 043556789 ", "0435*****"), ("N1", "N*"), ("7", "*"),
    ])
    func shownMaskedLikeTheIIN(typed: String, shown: String) {
        let number = DocumentNumber(typed)
        #expect(number?.masked == shown)
        #expect(DocumentNumber.masked(typed) == shown)
    }

    @Test func aNumberPrintedIntoALogIsMasked() throws {
        let number = try #require(DocumentNumber("N12345678"))
        #expect(number.text == "N12345678")
        #expect("\(number)" == "N123*****")
        #expect(String(reflecting: number) == "N123*****")
        #expect(!String(describing: [number]).contains("N12345678"))
    }

    @Test func nothingButSpacesIsNoNumber() {
        #expect(DocumentNumber("   ") == nil)
        #expect(DocumentNumber("") == nil)
    }
}
