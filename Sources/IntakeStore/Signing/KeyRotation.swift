// SPDX-License-Identifier: Apache-2.0
public import Foundation
import Glibc

/// Rotating a station's signing key (`intake-agent registry rotate-key`): the old private key moves to
/// `retired-keys/KEYID.ed25519` in the data directory (0600, kept so the station still trusts what it signed and
/// the chain still lists it) and a new key takes its place. Certificates signed by the old key keep verifying:
/// the station trusts its retired keys, and the chain's station table keeps every key, retired ones marked.
extension StationKey {
    public static let retiredDirectoryName = "retired-keys"

    /// The station's rotated-out keys, oldest file name first.
    public static func retiredKeys(in directory: URL) throws -> [StationKey] {
        let folder = directory.appendingPathComponent(retiredDirectoryName)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var keys: [StationKey] = []
        for name in names.sorted() where name.hasSuffix(".ed25519") {
            let url = folder.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8),
                let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let key = try? StationKey(rawPrivateKey: raw)
            else {
                throw StoreError.io("The retired station key \(url.path) is damaged: restore it from the backup.")
            }
            keys.append(key)
        }
        return keys
    }

    /// Retires the current key of `directory` and creates a new one; returns (old, new). Crash-safe: the old key is
    /// written to `retired-keys/` (and synced) before the new key replaces it by an atomic rename.
    public static func rotate(in directory: URL) throws -> (old: StationKey, new: StationKey) {
        guard let old = try loadExisting(in: directory) else {
            throw StoreError.refused("This station has no key yet, so there is nothing to rotate: it is created at the first issuance.")
        }
        let folder = directory.appendingPathComponent(retiredDirectoryName)
        if mkdir(folder.path, 0o700) != 0, errno != EEXIST {
            throw StoreError.io("Cannot create \(folder.path): \(String(cString: strerror(errno))).")
        }
        let retired = folder.appendingPathComponent("\(old.keyID.hex).ed25519")
        try writeSynced(Data((old.privateKeyBytes.base64EncodedString() + "\n").utf8), to: retired.path, mode: 0o600)
        syncDirectory(folder.path)
        let new = StationKey.generate()
        let target = directory.appendingPathComponent(fileName)
        let temporary = directory.appendingPathComponent(".\(fileName).rotate.\(getpid())")
        try writeSynced(Data((new.privateKeyBytes.base64EncodedString() + "\n").utf8), to: temporary.path, mode: 0o600)
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw StoreError.io("Cannot replace the station key \(target.path): \(reason); the old key is still in use.")
        }
        syncDirectory(directory.path)
        return (old, new)
    }
}
