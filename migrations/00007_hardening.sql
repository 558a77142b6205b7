-- +goose Up

-- Rate limits and counts of failed or refused unauthenticated attempts (sign-in, the public mailbox page), shared
-- by every replica: one row per scope, key and fixed window, incremented in one statement. Rows older than the
-- retention are deleted by a periodic job, so the table does not grow with attacks; the audit log keeps only real
-- actions. Keys never hold a typed email of an unknown account (see store.AttemptKey).
CREATE TABLE attempt_counts (
	scope        text NOT NULL,
	key          text NOT NULL,
	window_start timestamptz NOT NULL,
	window_secs  integer NOT NULL CHECK (window_secs > 0),
	count        integer NOT NULL CHECK (count > 0),
	PRIMARY KEY (scope, key, window_start)
);
CREATE INDEX attempt_counts_window_idx ON attempt_counts (window_start);

-- Lockouts of things that are not portal accounts (a mailbox's public password page), by scope and key.
CREATE TABLE lockouts (
	scope        text NOT NULL,
	key          text NOT NULL,
	failures     integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
	locked_until timestamptz,
	updated_at   timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (scope, key)
);
CREATE INDEX lockouts_updated_idx ON lockouts (updated_at);

-- The mailbox password hash as ISPConfig stores it (SHA-512 crypt of the ISO-8859-1 password), written whenever
-- the portal sets a password, so the public page can check a current password without asking ISPConfig.
ALTER TABLE mailboxes ADD COLUMN password_hash text NOT NULL DEFAULT '';

-- A TOTP second factor (RFC 6238) per account: the base32 secret ('' = none) and the last accepted time step, so
-- a code is accepted once. Ten single-use recovery codes per account, stored as SHA-256 (they are random, 50 bits).
ALTER TABLE accounts ADD COLUMN totp_secret text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	code_hash  text NOT NULL,
	used_at    timestamptz,
	PRIMARY KEY (account_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
ALTER TABLE accounts DROP COLUMN totp_last_step;
ALTER TABLE accounts DROP COLUMN totp_secret;
ALTER TABLE mailboxes DROP COLUMN password_hash;
DROP TABLE lockouts;
DROP TABLE attempt_counts;
