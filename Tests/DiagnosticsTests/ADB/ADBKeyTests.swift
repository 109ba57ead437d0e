// SPDX-License-Identifier: Apache-2.0
@testable import DeviceSimulators
import Diagnostics
import Foundation
import Testing

@Suite struct ADBKeyTests {
    @Test func signatureVerifiesWithThePublicKeyAndNoOther() throws {
        let token = (0..<20).map { UInt8($0 * 7 & 0xff) }
        let signature = try ADBTestSupport.key.sign(token: token)
        #expect(signature.count == 256)
        #expect(ADBKeyVerifier.decode(ADBTestSupport.key.publicKeyText) != nil)
        #expect(ADBKeyVerifier.verify(signature: signature, token: token, publicKeyText: ADBTestSupport.key.publicKeyText))
        #expect(!ADBKeyVerifier.verify(signature: signature, token: token, publicKeyText: ADBTestSupport.otherKey.publicKeyText))
        var other = token
        other[0] ^= 1
        #expect(!ADBKeyVerifier.verify(signature: signature, token: other, publicKeyText: ADBTestSupport.key.publicKeyText))
    }
}

extension ADBKeyTests {
    /// Several phones connect at once, so one key signs on several threads at once.
    @Test func concurrentSigningStaysCorrect() async throws {
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<20 {
                        let token = (0..<20).map { _ in UInt8.random(in: 0...255) }
                        let signature = try ADBTestSupport.key.sign(token: token)
                        if !ADBKeyVerifier.verify(signature: signature, token: token, publicKeyText: ADBTestSupport.key.publicKeyText) {
                            bad += 1
                        }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}

@Suite struct ADBKeyFileTests {
    @Test func createdOnFirstUseWithMode0600AndReloaded() throws {
        let dir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyDir = dir.appendingPathComponent("data")
        let first = try ADBKey.loadOrCreate(in: keyDir, comment: "bench@store")
        let attributes = try FileManager.default.attributesOfItem(atPath: keyDir.appendingPathComponent("adbkey").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let pub = try String(contentsOf: keyDir.appendingPathComponent("adbkey.pub"), encoding: .utf8)
        #expect(pub == first.publicKeyText + "\n")
        #expect(pub.hasSuffix(" bench@store\n"))
        let again = try ADBKey.loadOrCreate(in: keyDir, comment: "bench@store")
        #expect(again.publicKeyText == first.publicKeyText)
        let token = [UInt8](repeating: 9, count: 20)
        #expect(ADBKeyVerifier.verify(signature: try again.sign(token: token), token: token, publicKeyText: first.publicKeyText))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: keyDir.path).sorted()
        #expect(leftovers == ["adbkey", "adbkey.pub"])
    }

    @Test func corruptKeyGivesOneSentence() throws {
        let dir = try ADBTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("-----BEGIN PRIVATE KEY-----\ngarbage\n".utf8).write(to: dir.appendingPathComponent("adbkey"))
        // Private to the agent's user, as a key must be (a key readable by others is refused before it is read).
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir.appendingPathComponent("adbkey").path)
        #expect {
            try ADBKey.loadOrCreate(in: dir)
        } throws: { error in
            String(describing: error).contains("is not a readable PEM private key; move it away")
        }
    }
}
