-- +goose Up

-- The TOTP secret sealed with PORTAL_SECRET_KEY (internal/secret, bound to the account id), replacing the base32
-- secret in totp_secret. Nothing is encrypted here (SQL has no key): rows written before this migration keep their
-- plain secret until the portal re-seals them at start or on their next use; new secrets are only ever sealed.
ALTER TABLE accounts ADD COLUMN totp_secret_enc bytea;

-- Passkeys (WebAuthn credentials) as a second factor. The public key and the authenticator's signature counter
-- are all the portal needs to check an assertion; a counter that does not grow means a cloned authenticator and
-- the sign-in is refused. Flags are kept because an authenticator's backup eligibility must never change.
CREATE TABLE passkeys (
	id               bigserial PRIMARY KEY,
	account_id       bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	credential_id    bytea NOT NULL UNIQUE,
	public_key       bytea NOT NULL,
	attestation_type text NOT NULL DEFAULT '',
	aaguid           bytea NOT NULL DEFAULT ''::bytea,
	sign_count       bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
	transports       text[] NOT NULL DEFAULT '{}',
	user_present     boolean NOT NULL DEFAULT false,
	user_verified    boolean NOT NULL DEFAULT false,
	backup_eligible  boolean NOT NULL DEFAULT false,
	backup_state     boolean NOT NULL DEFAULT false,
	name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
	created_at       timestamptz NOT NULL DEFAULT now(),
	last_used_at     timestamptz
);
CREATE INDEX passkeys_account_idx ON passkeys (account_id);

-- +goose Down
DROP TABLE passkeys;
ALTER TABLE accounts DROP COLUMN totp_secret_enc;
