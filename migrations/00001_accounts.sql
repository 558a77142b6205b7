-- +goose Up
CREATE TABLE accounts (
	id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email               text NOT NULL CHECK (email <> '' AND email = btrim(email)),
	name                text NOT NULL DEFAULT '',
	role                text NOT NULL CHECK (role IN ('admin', 'reseller', 'client')),
	password_hash       text NOT NULL,
	failed_logins       integer NOT NULL DEFAULT 0,
	locked_until        timestamptz,
	password_changed_at timestamptz NOT NULL DEFAULT now(),
	created_at          timestamptz NOT NULL DEFAULT now()
);
-- Email is the login and is compared case-insensitively.
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

-- scs/postgresstore's table.
CREATE TABLE sessions (
	token  text PRIMARY KEY,
	data   bytea NOT NULL,
	expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- The audit log is append-only: ids and emails are copied, not referenced, so rows outlive the accounts they name.
CREATE TABLE audit_log (
	id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at                   timestamptz NOT NULL DEFAULT now(),
	acting_account_id    bigint,
	acting_email         text NOT NULL DEFAULT '',
	effective_account_id bigint,
	effective_email      text NOT NULL DEFAULT '',
	action               text NOT NULL,
	object_type          text NOT NULL DEFAULT '',
	object_id            text NOT NULL DEFAULT '',
	ip                   text NOT NULL DEFAULT '',
	outcome              text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
	detail               text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_acting_idx ON audit_log (acting_account_id, at DESC);
CREATE INDEX audit_log_effective_idx ON audit_log (effective_account_id, at DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE sessions;
DROP TABLE accounts;
