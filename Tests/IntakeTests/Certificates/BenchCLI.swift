// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// The built agent on one temporary data directory, as a consultant's script runs it.
struct BenchCLI {
    let directory: TemporaryDirectory

    init(_ directory: TemporaryDirectory? = nil) throws {
        self.directory = try directory ?? TemporaryDirectory()
    }

    var dataDir: URL { directory.url }

    func run(_ arguments: [String]) async throws -> AgentBinary.Run {
        try await AgentBinary.run(arguments + ["--data-dir", directory.url.path])
    }

    /// Today on the bench's clock, as `certificate issue` reads it.
    static func day(_ offset: Int = 0) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date().addingTimeInterval(Double(offset) * 86_400))
    }

    /// A valid IIN of the phone's own (one customer hands over one device), from its first IMEI or its serial, so
    /// that different phones have different holders unless a test says `--iin`.
    static func holderIIN(for key: String) -> String {
        let normalized = key.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }
        var hash: UInt32 = 2_166_136_261
        for byte in normalized.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Fixtures.holderIIN(Int(hash % 280_000))
    }

    /// `certificate issue` for an iPhone 11 at ALA-SAMAL2-100 at its ok/B offer, with `extra` appended (a later
    /// option overrides an earlier one).
    func issue(imei: [String] = ["352094117788999"], serial: String? = nil, _ extra: [String] = []) async throws
        -> AgentBinary.Run
    {
        var arguments = [
            "certificate", "issue", "--store", "ALA-SAMAL2-100", "--model", "iPhone 11", "--amount", "141000",
            "--grade", "ok/B", "--holder-name", "Иванова Әлия", "--iin", Self.holderIIN(for: imei.first ?? serial ?? ""),
            "--birth-date", "1990-01-01", "--consultant", "aigerim", "--json",
        ]
        for one in imei { arguments += ["--imei", one] }
        if let serial { arguments += ["--serial", serial] }
        return try await run(arguments + extra)
    }

    static func object(_ run: AgentBinary.Run) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stderr)")
    }

    static func number(_ run: AgentBinary.Run) throws -> String {
        try #require(try object(run)["number"] as? String, "\(run.stderr)")
    }
}

extension AgentBinary.Run {
    /// Exit 1 with exactly one line on stderr that contains `fragment` and no raw library text.
    func refuses(_ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 1, "exit \(status): \(stderr)", sourceLocation: sourceLocation)
        #expect(stderr.contains(fragment), "\(stderr)", sourceLocation: sourceLocation)
        #expect(stderr.split(separator: "\n").count == 1, "\(stderr)", sourceLocation: sourceLocation)
        #expect(!stderr.contains("NSCocoaErrorDomain") && !stderr.contains("SQLite error"), "\(stderr)",
                sourceLocation: sourceLocation)
    }
}
