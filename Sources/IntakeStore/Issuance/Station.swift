// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// One bench's certificate equipment from its data directory: the embedded registry (`registry.sqlite`,
/// `blocklist.txt`), the station key (`station-key.ed25519`, created on first use) and an issuer using both.
public struct Station: Sendable {
    public let dataDirectory: URL
    public let registry: SQLiteRegistry
    public let key: StationKey
    public let issuer: CertificateIssuer

    /// Opens everything under `dataDirectory` (created 0700); `stationCode` overrides the code derived from the key
    /// id (the chain assigns codes so two stations never share one). The station key is created only while the
    /// registry holds no certificate: with certificates and no key, opening fails, naming the file to restore.
    public init(dataDirectory: URL, stationCode: StationCode? = nil) throws {
        self.dataDirectory = dataDirectory
        registry = try SQLiteRegistry(dataDirectory: dataDirectory)
        key = try StationKey.loadOrCreate(in: dataDirectory)
        try registry.trust(publicKey: key.publicKey)
        issuer = CertificateIssuer(registry: registry, signer: key, station: stationCode)
    }

    /// This station's own public key, plus those of `keyList` (the chain's list) when given.
    public func keyRing(adding keyList: URL? = nil) throws -> KeyRing {
        var ring = try keyList.map(KeyRing.init(contentsOf:)) ?? KeyRing()
        try ring.add(publicKey: key.publicKey)
        return ring
    }
}
