// SPDX-License-Identifier: Apache-2.0
import Crypto
public import Foundation
import Glibc

/// The station's Ed25519 signing key, kept in the data directory as `station-key.ed25519` (the raw 32-byte private
/// key in Base64 and a newline), mode 0600, created on first use.
///
/// Creation is atomic: the key is written and synced under a temporary name and then hard-linked to its final
/// name, which fails if another process got there first; that process's key is then used. A key file readable by
/// group or others is refused, as ssh refuses one.
public struct StationKey: Sendable {
    public static let fileName = "station-key.ed25519"

    /// The raw 32-byte private key (swift-crypto's key type is not `Sendable`, its bytes are).
    let privateKeyBytes: Data
    /// The raw 32-byte public key.
    public let publicKey: Data
    public let keyID: KeyID

    /// A key from its raw 32 bytes; throws for anything else.
    public init(rawPrivateKey: Data) throws {
        self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey))
    }

    private init(key: Curve25519.Signing.PrivateKey) {
        privateKeyBytes = key.rawRepresentation
        publicKey = key.publicKey.rawRepresentation
        keyID = KeyID(publicKey: publicKey)
    }

    /// A new random key (not stored).
    public static func generate() -> StationKey {
        StationKey(key: Curve25519.Signing.PrivateKey())
    }

    /// Signs `message` (a certificate's canonical encoding).
    public func signature(for message: [UInt8]) throws -> Data {
        try Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyBytes).signature(for: message)
    }

    /// The line this station contributes to the chain's key list (`KeyRing` file): Base64 public key, key id.
    public var keyListLine: String { "\(publicKey.base64EncodedString()) \(keyID.hex)" }

    /// Loads the station key from `directory`, creating it (0600) when there is none.
    public static func loadOrCreate(in directory: URL) throws -> StationKey {
        let url = directory.appendingPathComponent(fileName)
        if let key = try load(url) { return key }
        try DataDirectory.prepare(directory)
        let text = Data((Curve25519.Signing.PrivateKey().rawRepresentation.base64EncodedString() + "\n").utf8)
        let temporary = directory.appendingPathComponent(".\(fileName).\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
        defer { unlink(temporary.path) }
        try writeSynced(text, to: temporary.path, mode: 0o600)
        if link(temporary.path, url.path) != 0, errno != EEXIST {
            throw StoreError.io("Cannot create the station key \(url.path): \(String(cString: strerror(errno))).")
        }
        syncDirectory(directory.path)
        guard let stored = try load(url) else {
            throw StoreError.io("The station key \(url.path) vanished while it was being created; run the command again.")
        }
        return stored
    }

    /// The station key of `directory`, or `nil` when it has none yet (never creates one).
    public static func loadExisting(in directory: URL) throws -> StationKey? {
        try load(directory.appendingPathComponent(fileName))
    }

    private static func load(_ url: URL) throws -> StationKey? {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw StoreError.io("Cannot read the station key \(url.path): \(String(cString: strerror(errno))).")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw StoreError.io(
                "The station key \(url.path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))): run `chmod 600 \(url.path)`.")
        }
        guard let contents = try? String(contentsOf: url, encoding: .utf8) else {
            throw StoreError.io("Cannot read the station key \(url.path): check that the agent's user owns it, or restore it from the backup.")
        }
        let text = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text), let key = try? StationKey(rawPrivateKey: raw) else {
            throw StoreError.io(
                "The station key \(url.path) is damaged: restore it from the backup, or move it away to create a new key and add its public key to the chain's list.")
        }
        return key
    }
}

/// Writes `data` to a new file with `mode` and syncs it to disk.
func writeSynced(_ data: Data, to path: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    guard fd >= 0 else { throw StoreError.io("Cannot create \(path): \(String(cString: strerror(errno))).") }
    defer { close(fd) }
    let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == data.count, fsync(fd) == 0 else {
        throw StoreError.io("Cannot write \(path): \(String(cString: strerror(errno))).")
    }
}

/// Makes a new directory entry durable (the link to a newly created file).
func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
}
