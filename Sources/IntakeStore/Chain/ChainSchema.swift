// SPDX-License-Identifier: Apache-2.0

/// The chain registry's schema on PostgreSQL as named, versioned migrations (`intake-agent registry migrate`).
/// A migration is never edited once released: add a new one. Each runs in one transaction under an advisory lock,
/// so stations migrating at once apply it once.
///
/// The invariants live in the database itself, whatever a station's code does:
/// - one live certificate per device key (`certificate_device_one_live`, a unique partial index over the keys in
///   their one normalised spelling, which a CHECK enforces), so no spelling and no race gives a phone two;
/// - signed fields never change, statuses only move forward, a certificate is redeemed once, nothing is deleted
///   (triggers);
/// - the audit log is append-only (triggers, and the agent's role is granted neither UPDATE nor DELETE on it);
/// - every certificate names a key in `station`, the chain's list of station public keys.
import Foundation

enum ChainSchema {
    struct Migration: Sendable {
        let name: String
        let sql: String
    }

    /// The role the stations connect as; see README's "Chain registry" section. The migration grants it what it
    /// needs and no more when the role exists (the operator creates it; tests do too).
    static let agentRole = "intake_agent"

    /// `sql`'s statements one by one (the extended protocol takes one a query): split at semicolons outside
    /// quotes, `$$` bodies and `--` comments.
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inQuote = false
        var inDollar = false
        var inComment = false
        var previous: Character = " "
        for character in sql {
            if inComment {
                if character == "\n" { inComment = false }
                previous = character
                continue
            }
            if !inQuote && !inDollar && previous == "-" && character == "-" {
                current.removeLast()
                inComment = true
                previous = " "
                continue
            }
            if !inDollar && character == "'" { inQuote.toggle() }
            if !inQuote && previous == "$" && character == "$" {
                inDollar.toggle()
                current.append(character)
                previous = " "
                continue
            }
            if character == ";" && !inQuote && !inDollar {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    static let migrations: [Migration] = [
        Migration(name: "2026-12-c1 stations, certificates, device keys, links, audit", sql: c1),
        Migration(name: "2026-12-c2 erasure records", sql: c2),
    ]

    /// Signed erasure records (issue 13): the record's canonical encoding and signature, with the columns that find
    /// it; append-only, and only for a certificate that is issued or printed.
    private static let c2 = """
        CREATE TABLE erasure (
            number text PRIMARY KEY,
            certificate text NOT NULL REFERENCES certificate (number),
            attempt integer NOT NULL CHECK (attempt >= 1),
            status text NOT NULL CHECK (status IN ('erased', 'erased_unverified', 'not_erased')),
            canonical bytea NOT NULL,
            signature bytea NOT NULL CHECK (length(signature) = 64),
            key_id text NOT NULL REFERENCES station (key_id),
            created_at timestamptz NOT NULL,
            UNIQUE (certificate, attempt)
        );
        CREATE INDEX erasure_by_time ON erasure (created_at);

        CREATE FUNCTION intake_erasure_of_a_live_certificate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM certificate WHERE number = NEW.certificate AND status IN ('issued', 'printed')) THEN
                RAISE EXCEPTION 'only an issued or printed certificate''s device is erased' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER erasure_of_an_issued_certificate BEFORE INSERT ON erasure
            FOR EACH ROW EXECUTE FUNCTION intake_erasure_of_a_live_certificate();
        CREATE TRIGGER erasure_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON erasure
            FOR EACH STATEMENT EXECUTE FUNCTION intake_refuse('erasure records are append-only');

        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'intake_agent') THEN
                GRANT SELECT, INSERT ON erasure TO intake_agent;
            END IF;
        END $$;
        """

    private static let c1 = """
        CREATE TABLE station (
            key_id text PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
            public_key bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
            station_code text NOT NULL CHECK (station_code ~ '^[2-9A-HJ-NP-Y]{2}$'),
            store_id text NOT NULL,
            registered_at timestamptz NOT NULL DEFAULT now(),
            retired_at timestamptz
        );
        -- Two stations never share a code: their certificate numbers would collide.
        CREATE UNIQUE INDEX station_one_active_key_per_code ON station (station_code) WHERE retired_at IS NULL;

        CREATE TABLE certificate (
            number text PRIMARY KEY,
            status text NOT NULL CHECK (status IN ('issued', 'printed', 'redeemed', 'voided')),
            store_id text NOT NULL,
            issued_on date NOT NULL,
            expires_on date NOT NULL,
            amount_kzt bigint NOT NULL CHECK (amount_kzt > 0),
            holder_name text NOT NULL,
            holder_iin_masked text NOT NULL,
            holder_commitment bytea NOT NULL CHECK (length(holder_commitment) = 16),
            holder_iin text NOT NULL CHECK (holder_iin ~ '^[0-9]{12}$'),
            holder_salt bytea NOT NULL CHECK (length(holder_salt) = 16),
            holder_document text,
            device_key text NOT NULL,
            device_serial text NOT NULL,
            model_identifier text NOT NULL,
            model_name text NOT NULL,
            grade text NOT NULL,
            rule_set text NOT NULL,
            key_id text NOT NULL REFERENCES station (key_id),
            signature bytea NOT NULL CHECK (length(signature) = 64),
            consultant text NOT NULL,
            created_at timestamptz NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT now(),
            issued_offline boolean NOT NULL DEFAULT false,
            print_count integer NOT NULL DEFAULT 0 CHECK (print_count >= 0),
            void_reason text,
            redemption text,
            redeemed_store text,
            redeemed_station text,
            redeemed_at timestamptz
        );
        CREATE INDEX certificate_by_issue_day ON certificate (issued_on, store_id);
        CREATE INDEX certificate_by_holder ON certificate (holder_iin) WHERE status IN ('issued', 'printed');

        -- Every key the device is known by, in its one normalised spelling (imei: 15 digits, serial: upper case
        -- letters and digits), each spoken for while the certificate is live.
        CREATE TABLE certificate_device (
            number text NOT NULL REFERENCES certificate (number),
            device_key text NOT NULL CHECK (device_key ~ '^(imei:[0-9]{15}|serial:[^[:space:][:lower:]-]+)$'),
            live boolean NOT NULL DEFAULT true,
            PRIMARY KEY (number, device_key)
        );
        CREATE UNIQUE INDEX certificate_device_one_live ON certificate_device (device_key) WHERE live;

        -- Keys one request named together (an IMEI and the serial): the same device.
        CREATE TABLE device_link (
            device_key text NOT NULL,
            linked_key text NOT NULL,
            PRIMARY KEY (device_key, linked_key)
        );

        CREATE TABLE audit (
            id bigserial PRIMARY KEY,
            time timestamptz NOT NULL,
            event text NOT NULL,
            consultant text NOT NULL,
            station text,
            certificate text,
            device_key text,
            reason text,
            detail text
        );
        CREATE INDEX audit_by_certificate ON audit (certificate);

        CREATE FUNCTION intake_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
        END $$;

        CREATE TRIGGER certificate_signed_fields_never_change BEFORE UPDATE OF
            number, store_id, issued_on, expires_on, amount_kzt, holder_name, holder_iin_masked, holder_commitment,
            holder_iin, holder_salt, device_key, device_serial, model_identifier, model_name, grade, rule_set,
            key_id, signature
        ON certificate FOR EACH ROW EXECUTE FUNCTION
            intake_refuse('a certificate''s signed fields never change: void it and issue a new one');

        CREATE FUNCTION intake_status_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT (NEW.status = OLD.status
                OR (OLD.status = 'issued' AND NEW.status IN ('printed', 'redeemed', 'voided'))
                OR (OLD.status = 'printed' AND NEW.status IN ('redeemed', 'voided'))) THEN
                RAISE EXCEPTION 'a certificate''s status only moves forward' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF OLD.redemption IS NOT NULL AND NEW.redemption IS DISTINCT FROM OLD.redemption THEN
                RAISE EXCEPTION 'a certificate is redeemed once' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF NEW.status = 'voided' AND OLD.status <> 'voided' THEN
                UPDATE certificate_device SET live = false WHERE number = NEW.number;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER certificate_status_moves_forward BEFORE UPDATE ON certificate
            FOR EACH ROW EXECUTE FUNCTION intake_status_moves_forward();

        CREATE FUNCTION intake_inserted_issued() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.status NOT IN ('issued', 'printed') OR NEW.redemption IS NOT NULL OR NEW.void_reason IS NOT NULL THEN
                RAISE EXCEPTION 'a certificate starts issued' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER certificate_starts_issued BEFORE INSERT ON certificate
            FOR EACH ROW EXECUTE FUNCTION intake_inserted_issued();

        CREATE TRIGGER certificate_never_deleted BEFORE DELETE OR TRUNCATE ON certificate
            FOR EACH STATEMENT EXECUTE FUNCTION intake_refuse('certificates are never deleted: void them');
        CREATE TRIGGER certificate_device_keys_stay BEFORE DELETE OR TRUNCATE ON certificate_device
            FOR EACH STATEMENT EXECUTE FUNCTION intake_refuse('device keys of certificates are never deleted');
        CREATE TRIGGER certificate_device_only_freed BEFORE UPDATE OF number, device_key ON certificate_device
            FOR EACH ROW EXECUTE FUNCTION intake_refuse('device keys of certificates never change');
        CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
            FOR EACH STATEMENT EXECUTE FUNCTION intake_refuse('the audit log is append-only');
        CREATE TRIGGER station_keys_stay BEFORE DELETE OR TRUNCATE ON station
            FOR EACH STATEMENT EXECUTE FUNCTION intake_refuse('station keys are never deleted: retire them');
        CREATE TRIGGER station_key_never_changes BEFORE UPDATE OF key_id, public_key ON station
            FOR EACH ROW EXECUTE FUNCTION intake_refuse('a station key never changes: register a new one');

        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'intake_agent') THEN
                GRANT SELECT, INSERT ON station, certificate, certificate_device, device_link, audit TO intake_agent;
                GRANT UPDATE (retired_at) ON station TO intake_agent;
                GRANT UPDATE (status, print_count, void_reason, redemption, redeemed_store, redeemed_station,
                    redeemed_at) ON certificate TO intake_agent;
                GRANT UPDATE (live) ON certificate_device TO intake_agent;
                GRANT USAGE ON SEQUENCE audit_id_seq TO intake_agent;
                GRANT SELECT ON registry_migration TO intake_agent;
            END IF;
        END $$;
        """
}
