// SPDX-License-Identifier: Apache-2.0
import Foundation
import Grading
import Testing

struct TengeTests {
    struct FormatCase: Sendable {
        let amount: Int
        let screen: String
        let slip: String
    }

    @Test(arguments: [
        FormatCase(amount: 0, screen: "0\u{A0}₸", slip: "0 KZT"),
        FormatCase(amount: 7, screen: "7\u{A0}₸", slip: "7 KZT"),
        FormatCase(amount: 999, screen: "999\u{A0}₸", slip: "999 KZT"),
        FormatCase(amount: 1000, screen: "1\u{A0}000\u{A0}₸", slip: "1 000 KZT"),
        FormatCase(amount: 130_000, screen: "130\u{A0}000\u{A0}₸", slip: "130 000 KZT"),
        FormatCase(amount: 1_234_567, screen: "1\u{A0}234\u{A0}567\u{A0}₸", slip: "1 234 567 KZT"),
        FormatCase(amount: -25_200, screen: "-25\u{A0}200\u{A0}₸", slip: "-25 200 KZT"),
    ])
    func formats(_ c: FormatCase) {
        #expect(Tenge(c.amount).formatted == c.screen)
        #expect(Tenge(c.amount).slipText == c.slip)
    }

    @Test func matchesFoundationsKazakhLocaleForWholeTenge() {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "ru_KZ")
        formatter.numberStyle = .currency
        formatter.currencyCode = "KZT"
        formatter.minimumFractionDigits = 0
        formatter.maximumFractionDigits = 0
        #expect(formatter.string(from: 1_234_567) == Tenge(1_234_567).formatted)
    }

    struct RoundCase: Sendable {
        let amount: Int
        let step: Int
        let expected: Int
    }

    @Test(arguments: [
        RoundCase(amount: 130_200, step: 500, expected: 130_000),
        RoundCase(amount: 130_500, step: 500, expected: 130_500),
        RoundCase(amount: 499, step: 500, expected: 0),
        RoundCase(amount: 41_720, step: 1000, expected: 41_000),
        RoundCase(amount: 41_720, step: 1, expected: 41_720),
        RoundCase(amount: -1, step: 500, expected: -500),
    ])
    func roundsDown(_ c: RoundCase) {
        #expect(Tenge(c.amount).roundedDown(toMultipleOf: c.step) == Tenge(c.expected))
    }

    @Test func percentIsIntegerArithmeticTowardZero() {
        #expect(Tenge(140_000).percent(3) == Tenge(4200))
        #expect(Tenge(99).percent(50) == Tenge(49))
    }

    @Test func encodesAsAPlainJSONInteger() throws {
        let data = try JSONEncoder().encode(["amount": Tenge(130_000)])
        #expect(String(decoding: data, as: UTF8.self) == #"{"amount":130000}"#)
        #expect(try JSONDecoder().decode(Tenge.self, from: Data("42".utf8)) == Tenge(42))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Tenge.self, from: Data("42.5".utf8)) }
    }
}
