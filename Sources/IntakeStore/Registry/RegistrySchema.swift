// SPDX-License-Identifier: Apache-2.0
import GRDB

/// The embedded registry's schema as named migrations. A migration is never edited once released: add a new one.
enum RegistrySchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-v1 certificates, device keys, audit log, number sequences") { db in
            try db.execute(sql: v1)
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
}
