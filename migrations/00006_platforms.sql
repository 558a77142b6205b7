-- +goose Up
-- Drift: an admin may also push the portal's values back to ISPConfig.
ALTER TABLE drift_items DROP CONSTRAINT drift_items_resolution_check;
ALTER TABLE drift_items ADD CONSTRAINT drift_items_resolution_check CHECK (resolution IN ('adopted', 'forgotten', 'gone', 'pushed'));

-- The applying state (internal/store/queues.go explains the scheme): when each object's last confirmed write
-- happened, and what each server's job queue was last seen holding.
CREATE TABLE object_writes (
	kind       text NOT NULL,
	object_id  bigint NOT NULL,
	written_at timestamptz NOT NULL,
	PRIMARY KEY (kind, object_id)
);
CREATE TABLE server_queues (
	platform_id bigint NOT NULL REFERENCES platforms (id),
	server_id   integer NOT NULL CHECK (server_id > 0),
	observed_at timestamptz, -- when the last successful read was sent
	pending     integer,     -- what it answered
	empty_at    timestamptz, -- when the last read that found the queue empty was sent
	error       text NOT NULL DEFAULT '', -- why the last read failed ('' when it worked)
	PRIMARY KEY (platform_id, server_id)
);

-- Several platforms: each row carries its own remote-API credentials (the password sealed with PORTAL_SECRET_KEY,
-- AES-256-GCM, internal/secret), and one is the default for new resellers and direct clients (a reseller's clients
-- live on the reseller's platform). The platform configured by PORTAL_ISPCONFIG_* is "seeded": synced at every
-- start, its password stays in the environment (password_enc NULL).
ALTER TABLE platforms
	ADD COLUMN remote_user  text NOT NULL DEFAULT '',
	ADD COLUMN password_enc bytea,
	ADD COLUMN tls_verify   boolean NOT NULL DEFAULT true,
	ADD COLUMN is_default   boolean NOT NULL DEFAULT false,
	ADD COLUMN seeded       boolean NOT NULL DEFAULT false;
UPDATE platforms SET seeded = true;
UPDATE platforms SET is_default = true WHERE id = (SELECT min(id) FROM platforms);
-- At most one default; checked at the end of each statement, so one UPDATE can move it.
ALTER TABLE platforms ADD CONSTRAINT platforms_one_default EXCLUDE USING btree (is_default WITH =) WHERE (is_default)
	DEFERRABLE INITIALLY IMMEDIATE;
ALTER TABLE platforms ADD CONSTRAINT platforms_credentials CHECK (seeded OR (password_enc IS NOT NULL AND remote_user <> '' AND endpoint <> ''));

-- +goose Down
DROP TABLE server_queues;
DROP TABLE object_writes;
DELETE FROM drift_items WHERE platform_id IN (SELECT id FROM platforms p WHERE NOT p.seeded
	AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.platform_id = p.id));
DELETE FROM platforms p WHERE NOT p.seeded AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.platform_id = p.id);
ALTER TABLE platforms DROP CONSTRAINT platforms_credentials;
ALTER TABLE platforms DROP CONSTRAINT platforms_one_default;
ALTER TABLE platforms DROP COLUMN seeded, DROP COLUMN is_default, DROP COLUMN tls_verify, DROP COLUMN password_enc,
	DROP COLUMN remote_user;
UPDATE drift_items SET resolution = 'adopted' WHERE resolution = 'pushed';
ALTER TABLE drift_items DROP CONSTRAINT drift_items_resolution_check;
ALTER TABLE drift_items ADD CONSTRAINT drift_items_resolution_check CHECK (resolution IN ('adopted', 'forgotten', 'gone'));
