-- +goose Up
-- A session row names its signed-in accounts, so the session, both accounts, the customer and its plan load in one
-- statement per request (handlers/sessions.go). No foreign keys: a deleted account simply no longer joins, and the
-- session is then treated as signed out.
ALTER TABLE sessions ADD COLUMN acting_id bigint, ADD COLUMN effective_id bigint;

-- Keyset pagination (store/keyset.go): every list order is (sort value, id), and each has an index per scope, so a
-- page seeks to its key instead of skipping rows. A client's objects by domain:
CREATE INDEX sites_customer_key_idx ON sites (customer_id, lower(domain), id);
DROP INDEX sites_customer_idx;
CREATE INDEX mail_domains_customer_key_idx ON mail_domains (customer_id, lower(domain), id);
DROP INDEX mail_domains_customer_idx;
CREATE INDEX domains_customer_key_idx ON domains (customer_id, lower(domain), id);
DROP INDEX domains_customer_idx;
-- All objects by domain (admins).
CREATE INDEX sites_key_idx ON sites (lower(domain), id);
CREATE INDEX mail_domains_key_idx ON mail_domains (lower(domain), id);
CREATE INDEX domains_key_idx ON domains (lower(domain), id);
-- Customers by name (customers_reseller_idx, customers_kind_idx exist), email, state and creation, for a reseller's
-- clients and for admins' lists by kind.
CREATE INDEX customers_reseller_email_idx ON customers (reseller_id, lower(email), id) WHERE state <> 'deleted';
CREATE INDEX customers_reseller_state_idx ON customers (reseller_id, state, id) WHERE state <> 'deleted';
CREATE INDEX customers_reseller_created_idx ON customers (reseller_id, created_at, id) WHERE state <> 'deleted';
CREATE INDEX customers_kind_email_idx ON customers (kind, lower(email), id) WHERE state <> 'deleted';
CREATE INDEX customers_kind_state_idx ON customers (kind, state, id) WHERE state <> 'deleted';
CREATE INDEX customers_kind_created_idx ON customers (kind, created_at, id) WHERE state <> 'deleted';

-- The operator's dashboard counts (store.Customers.CountAll): one row kept by statement-level triggers, so the
-- dashboard reads one row instead of counting every customer (47 pages/s at 100,000 customers). A statement that
-- changes no count leaves the row alone, so ordinary customer updates don't queue on it.
CREATE TABLE customer_stats (
	singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	resellers bigint NOT NULL,
	clients   bigint NOT NULL,
	pending   bigint NOT NULL,
	failed    bigint NOT NULL,
	suspended bigint NOT NULL
);
INSERT INTO customer_stats (resellers, clients, pending, failed, suspended)
SELECT count(*) FILTER (WHERE kind = 'reseller'), count(*) FILTER (WHERE kind = 'client'),
	count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed'),
	count(*) FILTER (WHERE suspended_self OR suspended_by_reseller)
FROM customers WHERE state <> 'deleted';

-- +goose StatementBegin
CREATE FUNCTION customer_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	d_resellers bigint := 0; d_clients bigint := 0; d_pending bigint := 0; d_failed bigint := 0; d_suspended bigint := 0;
	r bigint; c bigint; p bigint; f bigint; s bigint;
BEGIN
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		SELECT count(*) FILTER (WHERE kind = 'reseller'), count(*) FILTER (WHERE kind = 'client'),
			count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed'),
			count(*) FILTER (WHERE suspended_self OR suspended_by_reseller)
		INTO r, c, p, f, s FROM n WHERE state <> 'deleted';
		d_resellers := r; d_clients := c; d_pending := p; d_failed := f; d_suspended := s;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		SELECT count(*) FILTER (WHERE kind = 'reseller'), count(*) FILTER (WHERE kind = 'client'),
			count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed'),
			count(*) FILTER (WHERE suspended_self OR suspended_by_reseller)
		INTO r, c, p, f, s FROM o WHERE state <> 'deleted';
		d_resellers := d_resellers - r; d_clients := d_clients - c; d_pending := d_pending - p;
		d_failed := d_failed - f; d_suspended := d_suspended - s;
	END IF;
	IF d_resellers <> 0 OR d_clients <> 0 OR d_pending <> 0 OR d_failed <> 0 OR d_suspended <> 0 THEN
		UPDATE customer_stats SET resellers = resellers + d_resellers, clients = clients + d_clients,
			pending = pending + d_pending, failed = failed + d_failed, suspended = suspended + d_suspended;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER customers_stats_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION customer_stats_apply();
CREATE TRIGGER customers_stats_update AFTER UPDATE ON customers REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION customer_stats_apply();
CREATE TRIGGER customers_stats_delete AFTER DELETE ON customers REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION customer_stats_apply();

-- +goose Down
DROP TRIGGER customers_stats_insert ON customers;
DROP TRIGGER customers_stats_update ON customers;
DROP TRIGGER customers_stats_delete ON customers;
DROP FUNCTION customer_stats_apply();
DROP TABLE customer_stats;
DROP INDEX customers_kind_created_idx, customers_kind_state_idx, customers_kind_email_idx,
	customers_reseller_created_idx, customers_reseller_state_idx, customers_reseller_email_idx;
DROP INDEX sites_key_idx, mail_domains_key_idx, domains_key_idx;
CREATE INDEX sites_customer_idx ON sites (customer_id, lower(domain));
CREATE INDEX mail_domains_customer_idx ON mail_domains (customer_id, lower(domain));
CREATE INDEX domains_customer_idx ON domains (customer_id, lower(domain));
DROP INDEX sites_customer_key_idx, mail_domains_customer_key_idx, domains_customer_key_idx;
ALTER TABLE sessions DROP COLUMN acting_id, DROP COLUMN effective_id;
