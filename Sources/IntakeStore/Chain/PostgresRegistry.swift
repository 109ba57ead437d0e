// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Grading
public import Logging
import PostgresNIO
import Synchronization

/// The chain registry: every store's certificates in one PostgreSQL database (postgres-nio's `PostgresClient`),
/// behind the same ``CertificateRegistry`` the embedded ``SQLiteRegistry`` implements.
///
/// - One live certificate per device across the chain: the database's unique index over the normalised device keys
///   refuses a second one, whichever station and whatever race; the refusal names the certificate that holds the
///   phone ("This phone already has certificate N, issued at STORE on DATE").
/// - Numbers are allocated by the station in its own SQLite file (``SQLiteRegistry``), online and offline alike,
///   so a certificate signed while the chain was unreachable keeps its number when it reaches the chain; the chain's
///   primary key makes pushing it again a no-op, never a second row.
/// - Every certificate the station signs goes through its outbox first (``OutboxState``): a crash at any point
///   leaves a record the sync settles against the chain, so the station and the chain agree afterwards.
/// - `offline_issuance` (``OfflineIssuance``): refuse while unreachable (default), or issue, mark pending and push
///   later (``syncOutbox(at:)``); a pushed certificate whose device the chain already holds is a conflict, kept and
///   listed (`registry conflicts`), never dropped. Redemption and voiding are never offline.
/// - Every certificate read is checked against the issuing station's public key from the chain's `station` table,
///   so a row changed with direct SQL is reported as altered and is neither printed nor redeemed.
public final class PostgresRegistry: CertificateRegistry {
    public let settings: ChainSettings
    /// The station's own file: numbers, outbox, and the audit log while the chain is unreachable.
    public let local: SQLiteRegistry
    /// Where this station stands, recorded with redemptions and in the station table.
    public let storeID: String?
    public let stationCode: StationCode?
    let client: PostgresClient
    private let running: Task<Void, Never>
    private let logger: Logger
    private let trusted = Mutex(KeyRing())
    private let registered = Mutex(Set<KeyID>())
    /// This station's retired keys (`registry rotate-key`), retired in the chain when the new key registers.
    private let retiredKeyIDs: [KeyID]

    /// Connects lazily: opening never waits for the chain, so commands that do not need it work while it is down.
    public init(
        settings: ChainSettings, local: SQLiteRegistry, storeID: String?, stationCode: StationCode?,
        retiredKeys: [KeyID] = [], logger: Logger = Logger(label: "intake-agent.chain")
    ) throws {
        self.settings = settings
        self.local = local
        self.storeID = storeID
        self.stationCode = stationCode
        self.logger = logger
        retiredKeyIDs = retiredKeys
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: try settings.clientConfiguration(), backgroundLogger: quiet)
        self.client = client
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// Closes the chain's connections.
    public func shutdown() async {
        running.cancel()
        await running.value
    }

    // MARK: - Talking to the chain

    /// Why a chain operation did not complete.
    enum ChainFailure: Error {
        /// No answer: `sent` tells whether the request may have reached the database.
        case unreachable(reason: String, sent: Bool, committing: Bool)
        /// The database refused (SQLSTATE, constraint).
        case server(state: String, constraint: String?, message: String)
    }

    /// When the chain last failed to answer at all; while recent, operations wait a second, not the whole timeout,
    /// so one refusal does not cost the consultant a timeout per lookup.
    private let unreachableSince = Mutex<ContinuousClock.Instant?>(nil)

    private final class Progress: Sendable {
        let sent = Atomic(false)
        let committing = Atomic(false)
    }

    /// Runs `body` in one transaction on a pooled connection, within ``ChainSettings/timeout``.
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let progress = Progress()
        let logger = self.logger
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        progress.sent.store(true, ordering: .sequentiallyConsistent)
                        try await connection.query("BEGIN", logger: logger)
                        do {
                            let value = try await body(connection, logger)
                            progress.committing.store(true, ordering: .sequentiallyConsistent)
                            try await connection.query("COMMIT", logger: logger)
                            return value
                        } catch {
                            if !progress.committing.load(ordering: .sequentiallyConsistent) {
                                _ = try? await connection.query("ROLLBACK", logger: logger)
                            }
                            throw error
                        }
                    }
                }
                var timeout = settings.timeout
                if let since = unreachableSince.withLock({ $0 }), ContinuousClock.now - since < .seconds(30) {
                    timeout = min(timeout, .seconds(1))
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    unreachableSince.withLock { $0 = $0 ?? .now }
                    throw ChainFailure.unreachable(
                        reason: "no answer within \(Self.seconds(timeout)) s",
                        sent: progress.sent.load(ordering: .sequentiallyConsistent),
                        committing: progress.committing.load(ordering: .sequentiallyConsistent))
                }
                unreachableSince.withLock { $0 = nil }
                return value
            }
        } catch let failure as ChainFailure {
            throw failure
        } catch let error as StoreError {
            throw error
        } catch let error as PSQLError {
            if error.code == .server, let state = error.serverInfo?[.sqlState] {
                throw ChainFailure.server(
                    state: state, constraint: error.serverInfo?[.constraintName],
                    message: error.serverInfo?[.message] ?? "")
            }
            if !progress.sent.load(ordering: .sequentiallyConsistent) { unreachableSince.withLock { $0 = $0 ?? .now } }
            throw ChainFailure.unreachable(
                reason: Self.describe(error), sent: progress.sent.load(ordering: .sequentiallyConsistent),
                committing: progress.committing.load(ordering: .sequentiallyConsistent))
        } catch {
            if !progress.sent.load(ordering: .sequentiallyConsistent) { unreachableSince.withLock { $0 = $0 ?? .now } }
            throw ChainFailure.unreachable(
                reason: Self.describe(error), sent: progress.sent.load(ordering: .sequentiallyConsistent),
                committing: progress.committing.load(ordering: .sequentiallyConsistent))
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? "\(seconds)" : String(format: "%.1f", Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// A short reason for a connection failure, without the library's wording where it has a plainer one.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError: return "the connection failed"
            case .serverClosedConnection: return "the server closed the connection"
            case .sslUnsupported: return "the server does not offer TLS"
            case .authMechanismRequiresPassword, .saslError, .unsupportedAuthMechanism:
                return "the server refused the login"
            case .poolClosed, .clientClosedConnection: return "the station closed its connections"
            default: return "the connection failed (\(error.code))"
            }
        }
        if error is CancellationError { return "the request was cancelled" }
        return "the connection failed"
    }

    /// The sentence for a chain that did not answer a lookup or change.
    func unreachable(_ failure: ChainFailure, doing what: String) -> StoreError {
        switch failure {
        case .unreachable(let reason, _, _):
            return .refused(
                "The chain registry is unreachable (\(reason)): \(what); try again or call the technician.")
        case .server(let state, _, let message):
            return .io(
                "The chain registry refused the request (SQLSTATE \(state): \(message)): \(what); call the technician.")
        }
    }

    // MARK: - Migrations and status

    /// Applies every migration the chain lacks, in order, each in one transaction under an advisory lock; returns
    /// the names it applied. Refuses a chain migrated by a newer intake-agent.
    public func migrate() async throws -> [String] {
        do {
            return try await transaction { connection, logger in
                _ = try await connection.query("SELECT pg_advisory_xact_lock(7243)", logger: logger)
                _ = try await connection.query(
                    "CREATE TABLE IF NOT EXISTS registry_migration (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    logger: logger)
                let applied = try await Self.appliedMigrations(connection, logger)
                let known = Set(ChainSchema.migrations.map(\.name))
                if let newer = applied.first(where: { !known.contains($0) }) {
                    throw StoreError.newerDatabase(
                        "The chain registry was migrated by a newer intake-agent (migration \"\(newer)\"): install that version or newer on this station.")
                }
                var done: [String] = []
                for migration in ChainSchema.migrations where !applied.contains(migration.name) {
                    for statement in ChainSchema.statements(of: migration.sql) {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    _ = try await connection.query(
                        "INSERT INTO registry_migration (name) VALUES (\(migration.name))", logger: logger)
                    done.append(migration.name)
                }
                return done
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the chain's schema was not changed")
        }
    }

    private static func appliedMigrations(_ connection: PostgresConnection, _ logger: Logger) async throws -> [String] {
        var names: [String] = []
        for try await name in try await connection.query(
            "SELECT name FROM registry_migration ORDER BY applied_at, name", logger: logger
        ).decode(String.self) {
            names.append(name)
        }
        return names
    }

    /// The names of the chain schema's migrations this build knows, in order.
    public static var migrationNames: [String] { ChainSchema.migrations.map(\.name) }

    /// Registers `key` (after `registry rotate-key`) now, retiring this station's old keys in the chain.
    public func registerCurrentKey(_ key: StationKey, code: StationCode) async throws {
        registered.withLock { _ = $0.remove(key.keyID) }
        let store = storeID ?? "unknown"
        do {
            try await transaction { connection, logger in
                try await self.register(key.keyID, publicKey: key.publicKey, code: code, store: store, connection, logger)
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the new key is registered at the next issuance or sync")
        }
    }

    /// What `registry status` shows.
    public struct Status: Sendable {
        public var url: String
        public var reachable: Bool
        public var problem: String?
        public var appliedMigrations: [String]
        public var missingMigrations: [String]
        public var outbox: [OutboxState: Int]
        public var lastSync: String?
        public var lastSyncError: String?
        public var roundTripMilliseconds: Double?
    }

    public func status() async throws -> Status {
        var counts: [OutboxState: Int] = [:]
        for entry in try await local.outbox() { counts[entry.state, default: 0] += 1 }
        var status = Status(
            url: settings.displayURL, reachable: false, problem: nil, appliedMigrations: [], missingMigrations: [],
            outbox: counts, lastSync: try await local.chainState("last_sync"),
            lastSyncError: try await local.chainState("last_sync_error"), roundTripMilliseconds: nil)
        let start = ContinuousClock.now
        do {
            let applied = try await transaction { connection, logger in
                let exists = try await connection.query(
                    "SELECT to_regclass('registry_migration') IS NOT NULL", logger: logger
                ).decode(Bool.self).reduce(into: false) { $0 = $0 || $1 }
                return exists ? try await Self.appliedMigrations(connection, logger) : []
            }
            let elapsed = ContinuousClock.now - start
            status.reachable = true
            status.roundTripMilliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            status.appliedMigrations = applied
            status.missingMigrations = ChainSchema.migrations.map(\.name).filter { !applied.contains($0) }
        } catch let failure as ChainFailure {
            switch failure {
            case .unreachable(let reason, _, _): status.problem = reason
            case .server(let state, _, let message): status.problem = "SQLSTATE \(state): \(message)"
            }
        }
        return status
    }

    // MARK: - Station keys

    /// Registers `key` (this station's current key) in the chain's station table, retiring this station's rotated-out
    /// keys; once per key and process.
    private func register(_ keyID: KeyID, publicKey: Data, code: StationCode, store: String, _ connection: PostgresConnection, _ logger: Logger) async throws {
        if registered.withLock({ $0.contains(keyID) }) { return }
        let retired = retiredKeyIDs.map(\.hex)
        if !retired.isEmpty {
            _ = try await connection.query(
                "UPDATE station SET retired_at = now() WHERE key_id = ANY(\(retired)) AND retired_at IS NULL",
                logger: logger)
        }
        // Remembered only once the transaction that registered it has committed (``push``): another task of this
        // process must not name a key the chain cannot see yet.
        let isRetired = retiredKeyIDs.contains(keyID)
        do {
            _ = try await connection.query(
                """
                INSERT INTO station (key_id, public_key, station_code, store_id, retired_at)
                VALUES (\(keyID.hex), \(publicKey), \(code.rawValue), \(store), CASE WHEN \(isRetired) THEN now() END)
                ON CONFLICT (key_id) DO NOTHING
                """, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.constraintName] == "station_one_active_key_per_code" {
            throw StoreError.refused(
                "Another station of the chain already uses the station code \(code): give this station a code of its own (--station-code, config station_code) and call the technician; nothing was issued.")
        }
    }

    /// Every station key the chain lists, retired ones too, as (key, key id, station code, store, retired).
    public func stationKeys() async throws -> [(publicKey: Data, keyID: String, code: String, store: String, retired: Bool)] {
        do {
            return try await transaction { connection, logger in
                var keys: [(Data, String, String, String, Bool)] = []
                for try await (key, id, code, store, retired) in try await connection.query(
                    "SELECT public_key, key_id, station_code, store_id, retired_at IS NOT NULL FROM station ORDER BY registered_at, key_id",
                    logger: logger
                ).decode((Data, String, String, String, Bool).self) {
                    keys.append((key, id, code, store, retired))
                }
                return keys
            }.map { (publicKey: $0.0, keyID: $0.1, code: $0.2, store: $0.3, retired: $0.4) }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the station keys cannot be listed")
        }
    }

    /// The keys this registry trusts so far (its station's own, and those read from the chain).
    var trustedKeys: KeyRing { trusted.withLock { $0 } }

    /// Trusts `publicKey` in addition to the chain's list (this station's own key before it is registered).
    public func trust(publicKey: Data) throws {
        try trusted.withLock { try $0.add(publicKey: publicKey) }
    }

    /// `certificate` when it still matches its signature by a key of the chain's station table.
    private func sound(_ certificate: Certificate, _ connection: PostgresConnection, _ logger: Logger) async throws -> Certificate {
        if trusted.withLock({ $0.keys[certificate.content.keyID] == nil }) {
            for try await key in try await connection.query(
                "SELECT public_key FROM station WHERE key_id = \(certificate.content.keyID.hex)", logger: logger
            ).decode(Data.self) {
                try? trusted.withLock { try $0.add(publicKey: key) }
            }
        }
        guard certificate.verify(with: trusted.withLock({ $0 })) else { throw StoreError.altered(certificate.number) }
        return certificate
    }

    // MARK: - Issuance

    public func issue(
        _ draft: CertificateDraft, signer: any CertificateSigner, station: StationCode, consultant: String,
        at time: Date
    ) async throws -> Certificate {
        for key in draft.deviceKeys where key.rawValue.hasPrefix("imei:") {
            let imei = String(key.rawValue.dropFirst(5))
            if try local.blocklist.contains(imei: imei) {
                throw StoreError.refused(
                    "The IMEI \(imei) is on this store's blocklist: the device cannot be taken in; call the store manager.")
            }
        }
        guard let publicKey = (signer as? StationKey)?.publicKey else {
            throw StoreError.invalid("The chain registry needs the station key itself to register it: sign with the station key.")
        }
        // The intent first: whatever happens next, the station knows it signed this number.
        let certificate = try await local.signIntent(draft, signer: signer, station: station, consultant: consultant, at: time)
        let number = certificate.number
        let event = draft.issuedEvent(certificate, consultant: consultant, at: time)
        let outcome = await push(
            certificate, event: event, publicKey: publicKey, code: station, store: storeID ?? draft.terms.storeID,
            offline: false, holderLimit: draft.holderLimit)
        switch outcome {
        case .stored(let stored):
            try await local.markSynced(number, record: stored, at: Date())
            return stored
        case .duplicate(let sentence, let holder):
            try await local.settleOutbox(
                number, state: .abandoned, error: sentence, conflict: holder, at: Date())
            throw StoreError.refused(sentence)
        case .refused(let error):
            try await local.settleOutbox(number, state: .abandoned, error: error.description, at: Date())
            throw error
        case .failed(let failure):
            switch failure {
            case .server(let state, _, let message):
                try await local.settleOutbox(number, state: .abandoned, error: "SQLSTATE \(state): \(message)", at: Date())
                throw StoreError.io(
                    "The chain registry refused certificate \(number) (SQLSTATE \(state): \(message)), so nothing was issued; call the technician.")
            case .unreachable(let reason, let sent, let committing):
                switch settings.offlineIssuance {
                case .queue:
                    // The certificate is handed over now and pushed later; a retry of a push that did arrive is a
                    // no-op (same number, same signature).
                    do {
                        try await local.putOutbox(certificate, state: .pending, holderLimit: draft.holderLimit, at: time)
                    } catch let refusal as StoreError {
                        try await local.settleOutbox(number, state: .abandoned, error: refusal.description, at: Date())
                        throw refusal
                    }
                    try? await local.record(event)
                    logger.warning("chain registry unreachable; certificate queued", metadata: ["certificate": "\(number)", "reason": "\(reason)"])
                    return certificate
                case .refuse:
                    if committing {
                        // The commit may have reached the chain: the sync learns which and settles the entry.
                        try await local.settleOutbox(number, state: .sending, error: reason, at: Date())
                        throw StoreError.refused(
                            "The chain registry stopped answering while certificate \(number) was being stored (\(reason)): do not hand anything over; the station settles it when the chain answers again (`intake-agent registry status`), then try again.")
                    }
                    try await local.settleOutbox(number, state: .abandoned, error: reason, at: Date())
                    _ = sent
                    throw StoreError.refused(
                        "The chain registry is unreachable (\(reason)); nothing was issued; try again or call the technician.")
                }
            }
        }
    }

    enum PushOutcome: Sendable {
        case stored(Certificate)
        case duplicate(String, holder: (number: String, store: String, date: String))
        case failed(ChainFailure)
        /// Refused with a sentence of ours (a station code another station holds, a number already used).
        case refused(StoreError)
    }

    /// Stores `certificate` in the chain in one transaction: registers the station key, links the device keys,
    /// speaks for every key the device is known by, and appends `event`. Storing a certificate the chain already
    /// holds under the same number and signature returns the stored one (a retried push).
    func push(
        _ certificate: Certificate, event: AuditEvent, publicKey: Data, code: StationCode, store: String, offline: Bool,
        holderLimit: Int
    ) async -> PushOutcome {
        let draftKeys = certificate.deviceKeys.map(\.rawValue)
        let record = CertificateRecord(certificate)
        let keyID = certificate.content.keyID
        do {
            let stored: Certificate? = try await transaction { connection, logger in
                try await self.register(keyID, publicKey: publicKey, code: code, store: store, connection, logger)
                if let existing = try await self.fetch(record.number, connection, logger) {
                    guard existing.signature == certificate.signature else {
                        throw StoreError.io(
                            "The chain registry already holds a different certificate numbered \(record.number): two stations share the code \(code); assign this station another code (--station-code) and call the technician.")
                    }
                    return existing
                }
                try await Self.link(draftKeys, connection, logger)
                let keys = try await Self.linkedKeys(of: draftKeys, connection, logger)
                // One customer, one device: the holder's live certificates are counted under a lock on the IIN, so
                // two stations cannot both give one customer a certificate at once. Taken before the device check,
                // so the same phone tried twice by one holder is refused as the same phone.
                _ = try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(record.holderIIN)))", logger: logger)
                if try await Self.liveHolder(of: keys, connection, logger) != nil { return nil }
                var live: [(String, String, String)] = []
                for try await row in try await connection.query(
                    """
                    SELECT number, store_id, issued_on::text FROM certificate
                    WHERE holder_iin = \(record.holderIIN) AND status IN ('issued', 'printed')
                        AND expires_on >= \(record.issuedOn)::date
                    ORDER BY created_at, number
                    """, logger: logger
                ).decode((String, String, String).self) {
                    live.append(row)
                }
                if live.count >= holderLimit, let oldest = live.first {
                    throw StoreError.refused(holderLimitSentence(
                        number: oldest.0, store: oldest.1, date: oldest.2, masked: record.holderIINMasked, limit: holderLimit))
                }
                try await Self.insert(record, keys: keys, offline: offline, connection, logger)
                try await Self.append(event, station: code.rawValue, connection, logger)
                var stored = certificate
                stored.deviceKeys = keys.compactMap(DeviceKey.init(rawValue:)).sorted()
                return stored
            }
            registered.withLock { _ = $0.insert(keyID) }
            if let stored { return .stored(stored) }
        } catch let failure as ChainFailure {
            if case .server(let state, let constraint, _) = failure, state == "23505",
                constraint == "certificate_device_one_live"
            {
                // Another station won the race between the check and the insert: the index refused this one.
            } else {
                return .failed(failure)
            }
        } catch let error as StoreError {
            return .refused(error)
        } catch {
            return .failed(.unreachable(reason: Self.describe(error), sent: true, committing: false))
        }
        // The device is taken: name the certificate that holds it.
        do {
            let holder = try await transaction { connection, logger in
                try await Self.liveHolder(of: try await Self.linkedKeys(of: draftKeys, connection, logger), connection, logger)
            }
            let found = holder ?? (number: "?", store: "?", date: "?")
            return .duplicate(
                "This phone already has certificate \(found.number), issued at \(found.store) on \(found.date): one device gives one certificate.",
                holder: found)
        } catch let failure as ChainFailure {
            return .failed(failure)
        } catch {
            return .failed(.unreachable(reason: Self.describe(error), sent: true, committing: false))
        }
    }

    private static func link(_ keys: [String], _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard keys.count > 1 else { return }
        var from: [String] = []
        var to: [String] = []
        for key in keys { for other in keys where other != key { from.append(key); to.append(other) } }
        _ = try await connection.query(
            """
            INSERT INTO device_link (device_key, linked_key) SELECT * FROM unnest(\(from)::text[], \(to)::text[])
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// `keys` and every key linked to them, by requests that named them together or certificates that hold them.
    private static func linkedKeys(of keys: [String], _ connection: PostgresConnection, _ logger: Logger) async throws -> [String] {
        var known = Set(keys)
        var frontier = keys
        while !frontier.isEmpty {
            var found: [String] = []
            for try await key in try await connection.query(
                """
                SELECT linked_key FROM device_link WHERE device_key = ANY(\(frontier))
                UNION
                SELECT other.device_key FROM certificate_device AS mine
                JOIN certificate_device AS other ON other.number = mine.number
                WHERE mine.device_key = ANY(\(frontier))
                """, logger: logger
            ).decode(String.self) where known.insert(key).inserted {
                found.append(key)
            }
            frontier = found
        }
        return known.sorted()
    }

    /// The live certificate holding any of `keys`: number, store, issue date.
    private static func liveHolder(of keys: [String], _ connection: PostgresConnection, _ logger: Logger) async throws
        -> (number: String, store: String, date: String)?
    {
        for try await (number, store, date) in try await connection.query(
            """
            SELECT c.number, c.store_id, c.issued_on::text FROM certificate_device d JOIN certificate c USING (number)
            WHERE d.live AND d.device_key = ANY(\(keys)) ORDER BY c.created_at LIMIT 1
            """, logger: logger
        ).decode((String, String, String).self) {
            return (number, store, date)
        }
        return nil
    }

    private static func insert(
        _ r: CertificateRecord, keys: [String], offline: Bool, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        _ = try await connection.query(
            """
            INSERT INTO certificate (number, status, store_id, issued_on, expires_on, amount_kzt, holder_name,
                holder_iin_masked, holder_commitment, holder_iin, holder_salt, holder_document, device_key, device_serial,
                model_identifier, model_name, grade, rule_set, key_id, signature, consultant, created_at, issued_offline,
                print_count)
            VALUES (\(r.number), \(r.status), \(r.storeID), \(r.issuedOn)::date, \(r.expiresOn)::date, \(Int64(r.amountKZT)),
                \(r.holderName), \(r.holderIINMasked), \(r.holderCommitment), \(r.holderIIN), \(r.holderSalt),
                \(r.holderDocument), \(r.deviceKey), \(r.deviceSerial), \(r.modelIdentifier), \(r.modelName), \(r.grade),
                \(r.ruleSet), \(r.keyID), \(r.signature), \(r.consultant), \(r.createdAt), \(offline), \(r.printCount))
            """, logger: logger)
        _ = try await connection.query(
            "INSERT INTO certificate_device (number, device_key) SELECT \(r.number), unnest(\(keys)::text[])",
            logger: logger)
    }

    private static func append(_ event: AuditEvent, station: String?, _ connection: PostgresConnection, _ logger: Logger) async throws {
        _ = try await connection.query(
            """
            INSERT INTO audit (time, event, consultant, station, certificate, device_key, reason, detail)
            VALUES (\(event.time), \(event.event), \(event.consultant), \(station), \(event.certificate?.rawValue),
                \(event.deviceKey?.rawValue), \(event.reason), \(event.detail))
            """, logger: logger)
    }

    // MARK: - Rows

    private static let columns = """
        number, status, store_id, issued_on::text, expires_on::text, amount_kzt, holder_name, holder_iin_masked,
        holder_commitment, holder_iin, holder_salt, holder_document, device_key, device_serial, model_identifier,
        model_name, grade, rule_set, key_id, signature, consultant, created_at, print_count, void_reason, redemption,
        (SELECT coalesce(array_agg(d.device_key ORDER BY d.device_key), '{}') FROM certificate_device d WHERE d.number = certificate.number)
        """

    private static func record(_ row: PostgresRow) throws -> CertificateRecord {
        let cells = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
            do { return try cells[index].decode(T.self) } catch {
                let number = (try? cells[0].decode(String.self)) ?? "?"
                throw StoreError.invalid(
                    "The chain registry's row for certificate \(number) is damaged (column \(index + 1)): call the technician to restore it from the backup.")
            }
        }
        return CertificateRecord(
            number: try value(0), status: try value(1), storeID: try value(2), issuedOn: try value(3),
            expiresOn: try value(4), amountKZT: Int(try value(5, Int64.self)), holderName: try value(6),
            holderIINMasked: try value(7), holderCommitment: try value(8), holderIIN: try value(9),
            holderSalt: try value(10), holderDocument: try value(11), deviceKey: try value(12),
            deviceKeys: try value(25), deviceSerial: try value(13), modelIdentifier: try value(14),
            modelName: try value(15), grade: try value(16), ruleSet: try value(17), keyID: try value(18),
            signature: try value(19), consultant: try value(20), createdAt: try value(21),
            printCount: Int(try value(22, Int32.self)), voidReason: try value(23), redemption: try value(24))
    }

    /// The certificate `number` in the chain, checked against its station's key.
    private func fetch(_ number: String, _ connection: PostgresConnection, _ logger: Logger, lock: Bool = false) async throws -> Certificate? {
        let sql = "SELECT \(Self.columns) FROM certificate WHERE number = $1\(lock ? " FOR UPDATE" : "")"
        var bindings = PostgresBindings()
        bindings.append(number)
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            return try await sound(try Self.record(row).certificate(in: "chain registry"), connection, logger)
        }
        return nil
    }

    // MARK: - Lookups

    public func certificate(_ number: CertificateNumber) async throws -> Certificate? {
        do {
            if let found = try await transaction({ connection, logger in try await self.fetch(number.rawValue, connection, logger) }) {
                return found
            }
        } catch let failure as ChainFailure {
            if let entry = try await local.outboxEntry(number), [.pending, .conflict].contains(entry.state) {
                return entry.certificate
            }
            throw unreachable(failure, doing: "certificate \(number) cannot be looked up now")
        }
        if let entry = try await local.outboxEntry(number), [.pending, .conflict].contains(entry.state) {
            return entry.certificate
        }
        return nil
    }

    /// Where this station's own certificate `number` stands with the chain (`nil` for one it did not sign).
    public func outboxState(_ number: CertificateNumber) async throws -> OutboxState? {
        try await local.outboxEntry(number)?.state
    }

    public func list(_ filter: CertificateFilter) async throws -> [Certificate] {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        if let status = filter.status {
            bindings.append(status.rawValue)
            conditions.append("status = $\(bindings.count)")
        }
        if let from = filter.issuedFrom {
            bindings.append(from.description)
            conditions.append("issued_on >= $\(bindings.count)::date")
        }
        if let through = filter.issuedThrough {
            bindings.append(through.description)
            conditions.append("issued_on <= $\(bindings.count)::date")
        }
        var sql = "SELECT \(Self.columns) FROM certificate"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY created_at DESC, number DESC"
        if let limit = filter.limit { sql += " LIMIT \(max(limit, 0))" }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        var found: [Certificate]
        do {
            found = try await transaction { connection, logger in
                var certificates: [Certificate] = []
                for try await row in try await connection.query(query, logger: logger) {
                    certificates.append(try await self.sound(try Self.record(row).certificate(in: "chain registry"), connection, logger))
                }
                return certificates
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the certificates cannot be listed now")
        }
        let numbers = Set(found.map(\.number))
        let pending = try await local.outbox([.pending, .conflict]).map(\.certificate).filter { certificate in
            !numbers.contains(certificate.number)
                && filter.status.map { $0 == certificate.status } ?? true
                && filter.issuedFrom.map { certificate.content.issuedOn >= $0 } ?? true
                && filter.issuedThrough.map { certificate.content.issuedOn <= $0 } ?? true
        }
        found += pending
        found.sort { ($0.createdAt, $0.number) > ($1.createdAt, $1.number) }
        if let limit = filter.limit { found = Array(found.prefix(max(limit, 0))) }
        return found
    }

    /// The live certificate holding any of `keys` (or keys linked to them), in the chain or pending in this
    /// station's outbox. While the chain is unreachable only the outbox is asked, so issuance reaches the offline
    /// policy (which refuses or queues) rather than failing here.
    public func liveCertificate(forAnyOf keys: [DeviceKey]) async throws -> Certificate? {
        guard !keys.isEmpty else { return nil }
        let raw = keys.map(\.rawValue)
        // While the chain answers, only this station's not-yet-pushed certificates are added to what it says; while
        // it is unreachable, everything this station signed is all it knows.
        var states: Set<OutboxState> = [.pending, .sending]
        do {
            let found: Certificate? = try await transaction { connection, logger in
                let linked = try await Self.linkedKeys(of: raw, connection, logger)
                guard let holder = try await Self.liveHolder(of: linked, connection, logger) else { return nil }
                return try await self.fetch(holder.number, connection, logger)
            }
            if let found { return found }
        } catch is ChainFailure {
            states.insert(.synced)
        }
        return try await local.outbox(states).first { entry in
            entry.certificate.status.isLive && entry.certificate.deviceKeys.contains(where: keys.contains)
        }?.certificate
    }

    public func link(_ keys: [DeviceKey]) async throws {
        guard keys.count > 1 else { return }
        let raw = keys.map(\.rawValue)
        // Links help later lookups; an unreachable chain must not stop an intake for them.
        // A link lost in a crash costs nothing: the next request naming the keys together links them again.
        _ = try? await transaction { connection, logger in
            _ = try await connection.query("SET LOCAL synchronous_commit = off", logger: logger)
            try await Self.link(raw, connection, logger)
        }
    }

    public func isBlocklisted(imei: String) async throws -> Bool {
        try local.blocklist.contains(imei: imei)
    }

    /// The chain links the keys and checks the device inside the issuing transaction (``push``): asking first
    /// would cost two more transactions an issuance and decide nothing the transaction does not decide again.
    public var checksDevicesWhenIssuing: Bool { true }

    /// The chain's refusal names where and when the phone was certified, so the consultant can explain it.
    public func alreadyCertified(_ live: Certificate) -> String {
        "This phone already has certificate \(live.number), issued at \(live.content.storeID) on \(live.content.issuedOn): one device gives one certificate."
    }

    // MARK: - Changes

    public func void(_ number: CertificateNumber, reason: String, consultant: String, at time: Date) async throws -> Certificate {
        let reason = try ChangeInput.requireReason(reason, for: "void")
        try ChangeInput.requirePlain(consultant, field: "consultant's name")
        if let entry = try await local.outboxEntry(number), entry.state == .pending {
            // Never reached the chain: it is voided here and never pushed.
            try await local.settleOutbox(number, state: .abandoned, error: "voided at the station before it reached the chain: \(reason)", at: time)
            var voided = entry.certificate
            voided.status = .voided
            voided.voidReason = reason
            return voided
        }
        let station = stationCode?.rawValue
        return try await change(number, doing: "nothing was voided") { certificate, connection, logger in
            if let refusal = certificate.refusalToVoid() { throw StoreError.refused(refusal) }
            _ = try await connection.query(
                "UPDATE certificate SET status = 'voided', void_reason = \(reason) WHERE number = \(number.rawValue)",
                logger: logger)
            try await Self.append(
                AuditEvent(event: "certificate.voided", consultant: consultant, certificate: number,
                           deviceKey: certificate.content.deviceKey, reason: reason, time: time),
                station: station, connection, logger)
        }
    }

    public func redeem(
        _ number: CertificateNumber, split: Redemption.Split, on day: CivilDate, consultant: String, at time: Date
    ) async throws -> Certificate {
        try ChangeInput.requirePlain(consultant, field: "consultant's name")
        if let entry = try await local.outboxEntry(number), [.pending, .conflict].contains(entry.state) {
            throw StoreError.refused(
                "Certificate \(number) was issued while the chain registry was unreachable and has not reached it yet: it can be spent once this station has synced (`intake-agent registry status`).")
        }
        let store = storeID
        let station = stationCode?.rawValue
        let json = String(decoding: try JSONEncoder.registry.encode(split), as: UTF8.self)
        return try await change(number, doing: "nothing was redeemed (a certificate is spent only against the chain)") { certificate, connection, logger in
            if let refusal = certificate.refusalToRedeem(split, on: day) { throw StoreError.refused(refusal) }
            _ = try await connection.query(
                """
                UPDATE certificate SET status = 'redeemed', redemption = \(json), redeemed_store = \(store),
                    redeemed_station = \(station), redeemed_at = \(time)
                WHERE number = \(number.rawValue)
                """, logger: logger)
            try await Self.append(
                AuditEvent(
                    event: "certificate.redeemed", consultant: consultant, certificate: number,
                    deviceKey: certificate.content.deviceKey,
                    detail: "at \(store ?? "?"), prepayment \(split.certificateToPrepayment.slipText), first payment \(split.certificateToFirstPayment.slipText), balance \(split.certificateToBalance.slipText)",
                    time: time), station: station, connection, logger)
        }
    }

    public func markPrinted(_ number: CertificateNumber, consultant: String, at time: Date) async throws -> Certificate {
        try await recordPrint(number, event: "certificate.printed", reason: nil, consultant: consultant, at: time)
    }

    public func recordReprint(_ number: CertificateNumber, reason: String, consultant: String, at time: Date) async throws -> Certificate {
        let trimmed = try ChangeInput.requireReason(reason, for: "reprint")
        return try await recordPrint(number, event: "certificate.reprinted", reason: trimmed, consultant: consultant, at: time)
    }

    private func recordPrint(
        _ number: CertificateNumber, event: String, reason: String?, consultant: String, at time: Date
    ) async throws -> Certificate {
        try ChangeInput.requirePlain(consultant, field: "consultant's name")
        if let entry = try await local.outboxEntry(number), entry.state == .pending {
            var printed = entry.certificate
            printed.printCount += 1
            if printed.status == .issued { printed.status = .printed }
            try await local.putOutbox(printed, state: .pending, at: time)
            try? await local.record(AuditEvent(
                event: event, consultant: consultant, certificate: number, deviceKey: printed.content.deviceKey,
                reason: reason, time: time))
            return printed
        }
        let station = stationCode?.rawValue
        return try await change(number, doing: "the print was not recorded") { certificate, connection, logger in
            if let refusal = certificate.refusalToPrint() { throw StoreError.refused(refusal) }
            _ = try await connection.query(
                """
                UPDATE certificate SET print_count = print_count + 1,
                    status = CASE status WHEN 'issued' THEN 'printed' ELSE status END
                WHERE number = \(number.rawValue)
                """, logger: logger)
            try await Self.append(
                AuditEvent(event: event, consultant: consultant, certificate: number,
                           deviceKey: certificate.content.deviceKey, reason: reason, time: time),
                station: station, connection, logger)
        }
    }

    /// Runs `body` on the row locked for update in one transaction and returns the row afterwards. A row that no
    /// longer matches its signature is never changed.
    private func change(
        _ number: CertificateNumber, doing what: String,
        _ body: @escaping @Sendable (Certificate, PostgresConnection, Logger) async throws -> Void
    ) async throws -> Certificate {
        do {
            return try await transaction { connection, logger in
                guard let certificate = try await self.fetch(number.rawValue, connection, logger, lock: true) else {
                    throw StoreError.notFound(number)
                }
                try await body(certificate, connection, logger)
                guard let updated = try await self.fetch(number.rawValue, connection, logger) else { throw StoreError.notFound(number) }
                return updated
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: what)
        }
    }

    // MARK: - Audit

    public func record(_ event: AuditEvent) async throws {
        let station = stationCode?.rawValue
        do {
            try await transaction { connection, logger in try await Self.append(event, station: station, connection, logger) }
        } catch is ChainFailure {
            // The session goes on; the event stays in the station's own log.
            try await local.record(event)
        }
    }

    public func audit(for number: CertificateNumber?, limit: Int?) async throws -> [AuditEntry] {
        var sql = "SELECT id, time, event, consultant, certificate, device_key, reason, detail FROM audit"
        var bindings = PostgresBindings()
        if let number {
            bindings.append(number.rawValue)
            sql += " WHERE certificate = $1"
        }
        sql += " ORDER BY id"
        if let limit { sql += " LIMIT \(max(limit, 0))" }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        do {
            return try await transaction { connection, logger in
                var entries: [AuditEntry] = []
                for try await (id, time, event, consultant, certificate, key, reason, detail) in try await connection.query(
                    query, logger: logger
                ).decode((Int64, Date, String, String, String?, String?, String?, String?).self) {
                    entries.append(AuditEntry(
                        id: id, time: time, event: event, consultant: consultant, certificate: certificate,
                        deviceKey: key, reason: reason, detail: detail))
                }
                return entries
            }
        } catch let failure as ChainFailure {
            throw unreachable(failure, doing: "the audit log cannot be read now")
        }
    }
}
