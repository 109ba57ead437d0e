// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// `intake-agent demo` is README's first command: it must issue both certificates, through the real
/// libimobiledevice and the real ADB engine, and print both slips.
@Suite("The demo")
struct DemoTests {
    @Test(arguments: [48, 32])
    func theDemoIssuesAndPrintsBothCertificates(width: Int) async throws {
        let run = try await AgentBinary.run(["demo", "--width", String(width)])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("iPhone: certificate "), "\(run.stdout)")
        #expect(run.stdout.contains("Android: certificate "), "\(run.stdout)")
        #expect(run.stderr.contains("2 certificates issued and verified"), "\(run.stderr)")
        // Both slips, each line within the paper's width.
        #expect(run.stdout.components(separatedBy: "СОМАСЫ / СУММА").count == 3)
        let slipLines = run.stdout.split(separator: "\n").filter { !$0.contains(": certificate ") }
        #expect(slipLines.allSatisfy { $0.count <= width }, "\(slipLines.filter { $0.count > width })")
        // The Android phone asked for the bench's key to be allowed before it was read.
        #expect(run.stderr.contains("Allow USB debugging"), "\(run.stderr)")
    }
}
