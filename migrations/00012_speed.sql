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

-- +goose Down
DROP INDEX customers_kind_created_idx, customers_kind_state_idx, customers_kind_email_idx,
	customers_reseller_created_idx, customers_reseller_state_idx, customers_reseller_email_idx;
DROP INDEX sites_key_idx, mail_domains_key_idx, domains_key_idx;
CREATE INDEX sites_customer_idx ON sites (customer_id, lower(domain));
CREATE INDEX mail_domains_customer_idx ON mail_domains (customer_id, lower(domain));
CREATE INDEX domains_customer_idx ON domains (customer_id, lower(domain));
DROP INDEX sites_customer_key_idx, mail_domains_customer_key_idx, domains_customer_key_idx;
ALTER TABLE sessions DROP COLUMN acting_id, DROP COLUMN effective_id;
