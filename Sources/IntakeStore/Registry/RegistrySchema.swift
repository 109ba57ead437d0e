// SPDX-License-Identifier: Apache-2.0
import GRDB

/// The embedded registry's schema as named migrations. A migration is never edited once released: add a new one.
enum RegistrySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-v1 certificates, device keys, audit log, number sequences") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("2026-12-v2 guards on inserts, device links") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("2026-12-v3 the holder's document number") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("2026-12-v4 consultants") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("2026-12-v5 erasure records") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("2026-12-v6 the station's outbox to the chain registry") { db in
            try db.execute(sql: v6)
        }
        return migrator
    }

    /// Columns the signature covers (and the full IIN and salt behind the commitment): never updated.
    static let signedColumns = [
        "number", "store_id", "issued_on", "expires_on", "amount_kzt", "holder_name", "holder_iin_masked",
        "holder_commitment", "holder_iin", "holder_salt", "device_key", "device_serial", "model_identifier",
        "model_name", "grade", "rule_set", "key_id", "signature",
    ]

    private static let v1 = """
        CREATE TABLE certificate (
            number TEXT NOT NULL PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN ('issued', 'printed', 'redeemed', 'voided')),
            store_id TEXT NOT NULL,
            issued_on TEXT NOT NULL,
            expires_on TEXT NOT NULL,
            amount_kzt INTEGER NOT NULL CHECK (amount_kzt > 0),
            holder_name TEXT NOT NULL,
            holder_iin_masked TEXT NOT NULL,
            holder_commitment BLOB NOT NULL CHECK (length(holder_commitment) = 16),
            holder_iin TEXT NOT NULL CHECK (length(holder_iin) = 12),
            holder_salt BLOB NOT NULL CHECK (length(holder_salt) = 16),
            device_key TEXT NOT NULL,
            device_serial TEXT NOT NULL,
            model_identifier TEXT NOT NULL,
            model_name TEXT NOT NULL,
            grade TEXT NOT NULL,
            rule_set TEXT NOT NULL,
            key_id TEXT NOT NULL,
            signature BLOB NOT NULL CHECK (length(signature) = 64),
            consultant TEXT NOT NULL,
            created_at TEXT NOT NULL,
            print_count INTEGER NOT NULL DEFAULT 0 CHECK (print_count >= 0),
            void_reason TEXT,
            redemption TEXT
        ) STRICT;

        -- At most one live certificate per device: the database refuses a second one, whatever the code does.
        -- Live = issued, printed or redeemed (a traded-in device stays spoken for); a voided one frees the device.
        CREATE UNIQUE INDEX certificate_one_live_per_device ON certificate (device_key) WHERE status <> 'voided';

        -- Every key the device is known by (each IMEI, the serial), each spoken for while the certificate is live,
        -- so a dual-SIM phone read by its other IMEI is still refused.
        CREATE TABLE certificate_device (
            number TEXT NOT NULL REFERENCES certificate (number),
            device_key TEXT NOT NULL,
            live INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
            PRIMARY KEY (number, device_key)
        ) STRICT;
        CREATE UNIQUE INDEX certificate_device_one_live ON certificate_device (device_key) WHERE live = 1;

        CREATE TRIGGER certificate_void_frees_device AFTER UPDATE OF status ON certificate
        WHEN NEW.status = 'voided'
        BEGIN
            UPDATE certificate_device SET live = 0 WHERE number = NEW.number;
        END;

        CREATE TRIGGER certificate_signed_fields_never_change
        BEFORE UPDATE OF \(signedColumns.joined(separator: ", ")) ON certificate
        BEGIN
            SELECT RAISE(ABORT, 'a certificate''s signed fields never change: void it and issue a new one');
        END;

        CREATE TRIGGER certificate_status_moves_forward BEFORE UPDATE OF status ON certificate
        WHEN NOT (NEW.status = OLD.status
            OR (OLD.status = 'issued' AND NEW.status IN ('printed', 'redeemed', 'voided'))
            OR (OLD.status = 'printed' AND NEW.status IN ('redeemed', 'voided')))
        BEGIN
            SELECT RAISE(ABORT, 'a certificate''s status only moves forward');
        END;

        CREATE TRIGGER certificate_redeemed_once BEFORE UPDATE OF redemption ON certificate
        WHEN OLD.redemption IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'a certificate is redeemed once');
        END;

        CREATE TRIGGER certificate_never_deleted BEFORE DELETE ON certificate
        BEGIN
            SELECT RAISE(ABORT, 'certificates are never deleted: void them');
        END;

        CREATE TRIGGER certificate_device_keys_stay BEFORE DELETE ON certificate_device
        BEGIN
            SELECT RAISE(ABORT, 'device keys of certificates are never deleted');
        END;

        -- The audit log is append-only.
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            event TEXT NOT NULL,
            consultant TEXT NOT NULL,
            certificate TEXT,
            device_key TEXT,
            reason TEXT,
            detail TEXT
        );
        CREATE INDEX audit_by_certificate ON audit (certificate);
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END;

        -- The next sequence number per `PREFIX-YYMM-SS` (store city, month, station).
        CREATE TABLE number_sequence (
            scope TEXT NOT NULL PRIMARY KEY,
            next INTEGER NOT NULL CHECK (next >= 0)
        ) STRICT;
        """

    /// An `INSERT OR REPLACE` deletes the row it replaces without firing a DELETE or UPDATE trigger (unless
    /// `recursive_triggers` is on), so v1's guards let a certificate, its device keys or an audit row be replaced
    /// wholesale. Each table now refuses an insert onto an existing row, and the device keys can only be freed by
    /// voiding. The signature check on every read catches what a person who drops these triggers still changes.
    ///
    /// `device_link` remembers the keys one request named together (an IMEI and the serial), so a later request
    /// naming only one of them is known to be the same device.
    private static let v2 = """
        CREATE TRIGGER certificate_row_never_replaced BEFORE INSERT ON certificate
        WHEN EXISTS (SELECT 1 FROM certificate WHERE number = NEW.number)
        BEGIN
            SELECT RAISE(ABORT, 'a certificate number is issued once: its row is never replaced');
        END;

        CREATE TRIGGER certificate_starts_issued BEFORE INSERT ON certificate
        WHEN NEW.status <> 'issued' OR NEW.print_count <> 0 OR NEW.redemption IS NOT NULL OR NEW.void_reason IS NOT NULL
        BEGIN
            SELECT RAISE(ABORT, 'a certificate starts issued, never printed, unspent');
        END;

        CREATE TRIGGER certificate_one_live_per_device_on_insert BEFORE INSERT ON certificate
        WHEN EXISTS (SELECT 1 FROM certificate WHERE device_key = NEW.device_key AND status <> 'voided')
        BEGIN
            SELECT RAISE(ABORT, 'one live certificate per device_key');
        END;

        CREATE TRIGGER certificate_device_row_never_replaced BEFORE INSERT ON certificate_device
        WHEN EXISTS (SELECT 1 FROM certificate_device WHERE number = NEW.number AND device_key = NEW.device_key)
        BEGIN
            SELECT RAISE(ABORT, 'a certificate''s device key is recorded once');
        END;

        CREATE TRIGGER certificate_device_one_live_on_insert BEFORE INSERT ON certificate_device
        WHEN EXISTS (SELECT 1 FROM certificate_device WHERE device_key = NEW.device_key AND live = 1)
        BEGIN
            SELECT RAISE(ABORT, 'one live certificate per device_key');
        END;

        CREATE TRIGGER certificate_device_of_a_live_certificate BEFORE INSERT ON certificate_device
        WHEN NEW.live IS NOT 1 OR NOT EXISTS (SELECT 1 FROM certificate WHERE number = NEW.number AND status <> 'voided')
        BEGIN
            SELECT RAISE(ABORT, 'device keys are recorded for a live certificate, as live');
        END;

        CREATE TRIGGER certificate_device_keys_never_change BEFORE UPDATE OF number, device_key ON certificate_device
        BEGIN
            SELECT RAISE(ABORT, 'device keys of certificates never change');
        END;

        CREATE TRIGGER certificate_device_freed_only_by_void BEFORE UPDATE OF live ON certificate_device
        WHEN NOT (NEW.live IS OLD.live
            OR (OLD.live = 1 AND NEW.live = 0
                AND (SELECT status FROM certificate WHERE number = NEW.number) = 'voided'))
        BEGIN
            SELECT RAISE(ABORT, 'a device is freed only by voiding its certificate');
        END;

        CREATE TRIGGER audit_row_never_replaced BEFORE INSERT ON audit
        WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
        BEGIN
            SELECT RAISE(ABORT, 'the audit log is append-only');
        END;

        CREATE TRIGGER number_sequence_never_rewound BEFORE INSERT ON number_sequence
        WHEN EXISTS (SELECT 1 FROM number_sequence WHERE scope = NEW.scope AND next > NEW.next)
        BEGIN
            SELECT RAISE(ABORT, 'certificate numbers are never reused');
        END;

        CREATE TRIGGER number_sequence_only_grows BEFORE UPDATE ON number_sequence
        WHEN NEW.scope IS NOT OLD.scope OR NEW.next < OLD.next
        BEGIN
            SELECT RAISE(ABORT, 'certificate numbers are never reused');
        END;

        CREATE TRIGGER number_sequence_never_deleted BEFORE DELETE ON number_sequence
        BEGIN
            SELECT RAISE(ABORT, 'certificate numbers are never reused');
        END;

        CREATE TABLE device_link (
            device_key TEXT NOT NULL,
            linked_key TEXT NOT NULL,
            PRIMARY KEY (device_key, linked_key)
        ) STRICT, WITHOUT ROWID;

        CREATE TRIGGER device_link_row_never_replaced BEFORE INSERT ON device_link
        WHEN EXISTS (SELECT 1 FROM device_link WHERE device_key = NEW.device_key AND linked_key = NEW.linked_key)
        BEGIN
            SELECT RAISE(ABORT, 'a device link is recorded once');
        END;

        CREATE TRIGGER device_link_no_update BEFORE UPDATE ON device_link
        BEGIN
            SELECT RAISE(ABORT, 'device links never change');
        END;

        CREATE TRIGGER device_link_no_delete BEFORE DELETE ON device_link
        BEGIN
            SELECT RAISE(ABORT, 'device links never change');
        END;

        -- Links the keys existing certificates already hold together.
        INSERT INTO device_link (device_key, linked_key)
        SELECT DISTINCT mine.device_key, other.device_key FROM certificate_device AS mine
        JOIN certificate_device AS other ON other.number = mine.number AND other.device_key <> mine.device_key;
        """

    /// The number of the identity document the holder showed, beside the full IIN (and, like it, outside the
    /// signature and never shown unmasked). Certificates issued before this migration have none. It is written
    /// with the row and never changed after.
    private static let v3 = """
        ALTER TABLE certificate ADD COLUMN holder_document TEXT;

        CREATE TRIGGER certificate_holder_document_never_changes BEFORE UPDATE OF holder_document ON certificate
        WHEN NEW.holder_document IS NOT OLD.holder_document
        BEGIN
            SELECT RAISE(ABORT, 'a certificate''s holder document never changes: void it and issue a new one');
        END;
        """

    /// The bench's consultants: a bcrypt hash of the PIN only, never the PIN; failed logins and the lock they set.
    /// A consultant is disabled, never deleted, so the audit log's names keep meaning something.
    private static let v4 = """
        CREATE TABLE consultant (
            id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 32 AND id NOT GLOB '*[^A-Za-z0-9._-]*'),
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            pin_hash TEXT NOT NULL CHECK (pin_hash GLOB '$2[aby]$*'),
            language TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'kk', 'en')),
            disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
            failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
            locked_until TEXT,
            created_at TEXT NOT NULL
        );

        CREATE TRIGGER consultant_stays_disabled BEFORE UPDATE OF disabled ON consultant
        WHEN OLD.disabled = 1 AND NEW.disabled = 0
        BEGIN
            SELECT RAISE(ABORT, 'a disabled consultant is not enabled again: add a new id');
        END;

        CREATE TRIGGER consultant_never_deleted BEFORE DELETE ON consultant
        BEGIN
            SELECT RAISE(ABORT, 'consultants are disabled, never deleted');
        END;
        """

    /// Signed erasure records (``ErasureRecords``): one row per attempt, numbered by certificate and attempt, never
    /// changed, replaced or deleted, and only for a certificate that is issued or printed. The signature over the
    /// row's fields (``ErasureContent``) catches what a person who drops these triggers still changes.
    private static let v5 = """
        CREATE TABLE erasure (
            number TEXT NOT NULL PRIMARY KEY,
            certificate TEXT NOT NULL REFERENCES certificate (number),
            attempt INTEGER NOT NULL CHECK (attempt >= 1),
            status TEXT NOT NULL CHECK (status IN ('erased', 'erased_unverified', 'not_erased')),
            reason TEXT NOT NULL,
            method TEXT NOT NULL,
            sanitization TEXT NOT NULL,
            tool TEXT NOT NULL,
            device_make TEXT NOT NULL,
            device_model TEXT NOT NULL,
            device_model_identifier TEXT NOT NULL,
            device_serial TEXT NOT NULL,
            device_imeis TEXT NOT NULL,
            media TEXT NOT NULL,
            verification_method TEXT NOT NULL,
            verified_by_device TEXT NOT NULL,
            confirmed_by_consultant TEXT NOT NULL,
            verification_result TEXT NOT NULL,
            consultant TEXT NOT NULL,
            store_id TEXT NOT NULL,
            station TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            destination TEXT NOT NULL,
            key_id TEXT NOT NULL,
            signature BLOB NOT NULL CHECK (length(signature) = 64),
            created_at TEXT NOT NULL,
            UNIQUE (certificate, attempt)
        ) STRICT;
        CREATE INDEX erasure_by_time ON erasure (created_at);

        CREATE TRIGGER erasure_row_never_replaced BEFORE INSERT ON erasure
        WHEN EXISTS (SELECT 1 FROM erasure WHERE number = NEW.number)
        BEGIN
            SELECT RAISE(ABORT, 'an erasure record is written once: its row is never replaced');
        END;

        CREATE TRIGGER erasure_of_an_issued_certificate BEFORE INSERT ON erasure
        WHEN NOT EXISTS (SELECT 1 FROM certificate WHERE number = NEW.certificate AND status IN ('issued', 'printed'))
        BEGIN
            SELECT RAISE(ABORT, 'only an issued or printed certificate''s device is erased');
        END;

        CREATE TRIGGER erasure_no_update BEFORE UPDATE ON erasure
        BEGIN
            SELECT RAISE(ABORT, 'erasure records are append-only');
        END;

        CREATE TRIGGER erasure_no_delete BEFORE DELETE ON erasure
        BEGIN
            SELECT RAISE(ABORT, 'erasure records are append-only');
        END;
        """

    /// The station's side of the chain registry (``PostgresRegistry``): every certificate this station signs while a
    /// chain is configured, with where it stands (`sending`, `pending`, `synced`, `conflict`, `abandoned`); the record
    /// is the certificate itself (its full IIN, like the certificate table). Rows are settled, never deleted.
    private static let v6 = """
        CREATE TABLE chain_outbox (
            number TEXT PRIMARY KEY NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('sending', 'pending', 'synced', 'conflict', 'abandoned')),
            record TEXT NOT NULL,
            owner_pid INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            conflict_number TEXT,
            conflict_store TEXT,
            conflict_date TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX chain_outbox_by_state ON chain_outbox (state);
        CREATE TRIGGER chain_outbox_never_deleted BEFORE DELETE ON chain_outbox
        BEGIN
            SELECT RAISE(ABORT, 'the outbox keeps every certificate the station signed');
        END;

        CREATE TABLE chain_state (
            name TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;
        """
}
