// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// One bench's certificate equipment from its data directory: the embedded registry (`registry.sqlite`,
/// `blocklist.txt`), the station key (`station-key.ed25519`, created on first use, and the keys it rotated out in
/// `retired-keys/`), and, when a chain registry is configured, the chain (``PostgresRegistry``), with an issuer
/// using whichever holds the certificates.
public struct Station: Sendable {
    public let dataDirectory: URL
    /// The station's own file: consultants, and every certificate when no chain is configured.
    public let registry: SQLiteRegistry
    /// The chain registry, when `registry_url` (or `INTAKE_AGENT_REGISTRY_URL`) is set.
    public let chain: PostgresRegistry?
    public let key: StationKey
    public let retiredKeys: [StationKey]
    public let issuer: CertificateIssuer

    /// Where certificates live: the chain when configured, the embedded registry otherwise.
    public var certificates: any CertificateRegistry { chain ?? registry }

    /// Where erasure records live: beside the certificates.
    public var erasureRecords: any ErasureRecords { chain ?? registry }

    /// Opens everything under `dataDirectory` (created 0700); `stationCode` overrides the code derived from the key
    /// id (the chain assigns codes so two stations never share one). The station key is created only while the
    /// registry holds no certificate: with certificates and no key, opening fails, naming the file to restore.
    /// Opening never waits for the chain.
    /// `holderLimit`: live certificates one holder may have at once (`max_live_certificates_per_holder`).
    public init(
        dataDirectory: URL, stationCode: StationCode? = nil, chain settings: ChainSettings? = nil, storeID: String? = nil,
        holderLimit: Int = 1
    ) throws {
        self.dataDirectory = dataDirectory
        registry = try SQLiteRegistry(dataDirectory: dataDirectory)
        key = try StationKey.loadOrCreate(in: dataDirectory)
        retiredKeys = try StationKey.retiredKeys(in: dataDirectory)
        try registry.trust(publicKey: key.publicKey)
        for old in retiredKeys { try registry.trust(publicKey: old.publicKey) }
        let code = stationCode ?? StationCode(keyID: key.keyID)
        if let settings {
            let chain = try PostgresRegistry(
                settings: settings, local: registry, storeID: storeID, stationCode: code,
                retiredKeys: retiredKeys.map(\.keyID))
            try chain.trust(publicKey: key.publicKey)
            for old in retiredKeys { try chain.trust(publicKey: old.publicKey) }
            self.chain = chain
        } else {
            chain = nil
        }
        issuer = CertificateIssuer(registry: chain ?? registry, signer: key, station: code, holderLimit: holderLimit)
    }

    /// This station's own public keys (current and retired), plus those of `keyList` (the chain's list) when given.
    public func keyRing(adding keyList: URL? = nil) throws -> KeyRing {
        var ring = try keyList.map(KeyRing.init(contentsOf:)) ?? KeyRing()
        try ring.add(publicKey: key.publicKey)
        for old in retiredKeys { try ring.add(publicKey: old.publicKey) }
        return ring
    }

    /// Pushes the outbox to the chain once (``PostgresRegistry/syncOutbox(publicKeys:at:)``); `nil` without a chain.
    public func sync(at time: Date = Date()) async throws -> SyncReport? {
        guard let chain else { return nil }
        var keys = [key.keyID: key.publicKey]
        for old in retiredKeys { keys[old.keyID] = old.publicKey }
        return try await chain.syncOutbox(publicKeys: keys, holderLimit: issuer.holderLimit, at: time)
    }

    /// Closes the chain's connections, if any.
    public func close() async {
        await chain?.shutdown()
    }
}
