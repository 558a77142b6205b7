-- +goose Up
-- Outgoing email. Every message is written here in the same transaction as the event that causes it, and a river
-- job (send_mail) delivers it with retries; a message is never lost with a failed request or a crashed sender.
-- state: queued (waiting for its first attempt), retrying (an attempt failed; last_error says why), sent,
-- failed (gave up; an admin may resend), held (PORTAL_SMTP_URL=off: kept here, never sent).
CREATE TABLE outbox (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind        text NOT NULL,
	customer_id bigint REFERENCES customers (id),
	to_addr     text NOT NULL CHECK (to_addr <> ''),
	to_name     text NOT NULL DEFAULT '',
	from_name   text NOT NULL DEFAULT '',
	subject     text NOT NULL,
	text_body   text NOT NULL,
	html_body   text NOT NULL,
	state       text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'retrying', 'sent', 'failed', 'held')),
	attempts    integer NOT NULL DEFAULT 0,
	last_error  text NOT NULL DEFAULT '',
	created_at  timestamptz NOT NULL DEFAULT now(),
	updated_at  timestamptz NOT NULL DEFAULT now(),
	sent_at     timestamptz
);
CREATE INDEX outbox_created_idx ON outbox (created_at DESC, id DESC);
CREATE INDEX outbox_state_idx ON outbox (state, created_at DESC) WHERE state <> 'sent';

-- Single-use links sent by email: invitations, password resets, email-address changes. Only the SHA-256 of the
-- 32 random bytes is stored; email is the address the link was sent to and is bound to. A link works while unused,
-- unrevoked and unexpired (checked in SQL, against the database's clock).
CREATE TABLE account_tokens (
	id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	purpose    text NOT NULL CHECK (purpose IN ('invite', 'reset', 'email_change')),
	account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	email      text NOT NULL,
	token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	expires_at timestamptz NOT NULL,
	used_at    timestamptz,
	revoked_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_account_idx ON account_tokens (account_id, purpose, created_at DESC);

-- An address is confirmed when its owner followed a link sent to it (an invitation or an email change).
-- pending_email is a requested new address that has not been confirmed yet.
ALTER TABLE accounts ADD COLUMN email_confirmed_at timestamptz;
ALTER TABLE accounts ADD COLUMN pending_email text;

-- Rate-limit events kept in Postgres, so every replica counts the same attempts.
CREATE TABLE rate_events (
	bucket text NOT NULL,
	at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_events_bucket_idx ON rate_events (bucket, at);

-- Public signup. A plan marked public is offered on its owner's signup page: /signup/{slug} for a reseller (the
-- slug is the reseller's hosting username), /signup for the operator's own direct plans.
ALTER TABLE plans ADD COLUMN public boolean NOT NULL DEFAULT false;

-- Each signup page's choices: approval by hand, and the terms visitors accept. reseller_id NULL is the operator's.
CREATE TABLE signup_settings (
	reseller_id     bigint REFERENCES customers (id),
	manual_approval boolean NOT NULL DEFAULT false,
	terms_text      text NOT NULL DEFAULT '',
	terms_version   text NOT NULL DEFAULT '1' CHECK (terms_version <> ''),
	updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX signup_settings_owner_key ON signup_settings (coalesce(reseller_id, 0));

-- A visitor's signup, from the form to a ready client with its site. state: unconfirmed (waiting for the email
-- link), approval (confirmed, waiting for the reseller), setting_up (the durable job creates the client, then the
-- site), ready, failed (detail says why; the visitor and the reseller can retry), rejected.
CREATE TABLE signups (
	id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reseller_id       bigint REFERENCES customers (id),
	plan_id           bigint NOT NULL REFERENCES plans (id),
	name              text NOT NULL,
	email             text NOT NULL,
	password_hash     text NOT NULL,
	domain            text NOT NULL,
	username          text NOT NULL,
	terms_version     text NOT NULL,
	terms_accepted_at timestamptz NOT NULL,
	terms_ip          text NOT NULL,
	token_hash        bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	token_expires_at  timestamptz NOT NULL,
	state             text NOT NULL DEFAULT 'unconfirmed'
		CHECK (state IN ('unconfirmed', 'approval', 'setting_up', 'ready', 'failed', 'rejected')),
	step              text NOT NULL DEFAULT '',
	detail            text NOT NULL DEFAULT '',
	customer_id       bigint REFERENCES customers (id),
	site_id           bigint,
	confirmed_at      timestamptz,
	created_at        timestamptz NOT NULL DEFAULT now(),
	updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signups_reseller_idx ON signups (reseller_id, created_at DESC);
CREATE INDEX signups_email_idx ON signups (lower(email));

-- +goose Down
DROP TABLE signups;
DROP TABLE signup_settings;
ALTER TABLE plans DROP COLUMN public;
DROP TABLE rate_events;
ALTER TABLE accounts DROP COLUMN pending_email;
ALTER TABLE accounts DROP COLUMN email_confirmed_at;
DROP TABLE account_tokens;
DROP TABLE outbox;
