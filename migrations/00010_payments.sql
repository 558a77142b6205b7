-- +goose Up
-- Payment providers per issuer: the operator (reseller_id NULL) and each reseller may use its own Stripe account.
-- The secret key and the webhook signing secret are sealed with PORTAL_SECRET_KEY (AES-256-GCM, internal/secret),
-- bound to the issuer and the field, so a database dump alone reveals neither and a value copied to another row or
-- column does not open. The publishable key is public by design and kept as it is.
CREATE TABLE payment_providers (
	id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reseller_id        bigint REFERENCES customers (id),
	provider           text NOT NULL CHECK (provider IN ('stripe')),
	publishable_key    text NOT NULL DEFAULT '',
	secret_key_enc     bytea,
	webhook_secret_enc bytea,
	enabled            boolean NOT NULL DEFAULT false,
	updated_at         timestamptz NOT NULL DEFAULT now(),
	CHECK (NOT enabled OR (secret_key_enc IS NOT NULL AND webhook_secret_enc IS NOT NULL))
);
CREATE UNIQUE INDEX payment_providers_owner_key ON payment_providers (coalesce(reseller_id, 0), provider);

-- Every webhook event a provider sent, stored once by its id: the insert and the event's effect on the ledger
-- happen in one transaction, so a retried or concurrent delivery of the same event has no second effect.
-- outcome: applied (it changed the ledger or marked a payment pending), ignored (a type or state billing does not
-- act on), failed (the ledger refused it; error says why; a replay may apply it later).
CREATE TABLE payment_events (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	provider     text NOT NULL CHECK (provider IN ('stripe')),
	event_id     text NOT NULL CHECK (event_id <> ''),
	reseller_id  bigint REFERENCES customers (id), -- the issuer whose endpoint received it; NULL: the operator
	type         text NOT NULL,
	payload      jsonb NOT NULL,
	received_at  timestamptz NOT NULL DEFAULT now(),
	processed_at timestamptz,
	outcome      text NOT NULL DEFAULT 'received' CHECK (outcome IN ('received', 'applied', 'ignored', 'failed')),
	error        text NOT NULL DEFAULT '',
	replays      integer NOT NULL DEFAULT 0,
	UNIQUE (provider, event_id)
);
CREATE INDEX payment_events_issuer_idx ON payment_events (coalesce(reseller_id, 0), received_at DESC, id DESC);

-- +goose Down
DROP TABLE payment_events;
DROP TABLE payment_providers;
