-- +goose Up
-- One id per portal database, generated on first use (not here: a database cloned from a migrated template must
-- not share it). It goes into the customer_no marker of every ISPConfig client the portal creates, so two portal
-- databases sharing one ISPConfig never take each other's records for their own.
CREATE TABLE installation (
	singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	id         text NOT NULL DEFAULT substr(md5(gen_random_uuid()::text), 1, 12),
	created_at timestamptz NOT NULL DEFAULT now()
);

-- The domain registry: every host name any hosted object uses (site, mail domain, domain-limit entry) is claimed
-- for exactly one customer. A name under or above another customer's claim is refused by the hosting service.
-- rname (the name reversed) lets "every claim under x.example" use an index.
CREATE TABLE domain_claims (
	name        text PRIMARY KEY CHECK (name = lower(name)),
	customer_id bigint NOT NULL REFERENCES customers (id),
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_claims_rname_idx ON domain_claims (reverse(name) text_pattern_ops);
CREATE INDEX domain_claims_customer_idx ON domain_claims (customer_id);

-- Conflicts found when existing records were first claimed: two customers using one name, or one's name under the
-- other's. Listed for the admin; nothing is changed automatically.
CREATE TABLE domain_claim_conflicts (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          text NOT NULL,
	customer_id   bigint NOT NULL REFERENCES customers (id),
	claimed_name  text NOT NULL,
	claimed_by    bigint NOT NULL REFERENCES customers (id),
	found_at      timestamptz NOT NULL DEFAULT now()
);

WITH used AS (
	SELECT lower(domain) AS name, customer_id, created_at FROM sites
	UNION ALL SELECT lower(domain), customer_id, created_at FROM mail_domains
	UNION ALL SELECT lower(domain), customer_id, created_at FROM domains
)
INSERT INTO domain_claims (name, customer_id)
SELECT DISTINCT ON (name) name, customer_id FROM used ORDER BY name, created_at, customer_id;

WITH used AS (
	SELECT DISTINCT lower(domain) AS name, customer_id FROM (
		SELECT domain, customer_id FROM sites
		UNION ALL SELECT domain, customer_id FROM mail_domains
		UNION ALL SELECT domain, customer_id FROM domains) u
)
INSERT INTO domain_claim_conflicts (name, customer_id, claimed_name, claimed_by)
SELECT u.name, u.customer_id, d.name, d.customer_id FROM used u JOIN domain_claims d
	ON d.customer_id <> u.customer_id AND (d.name = u.name OR right(u.name, length(d.name) + 1) = '.' || d.name
		OR right(d.name, length(u.name) + 1) = '.' || u.name);

-- Every writer of these tables keeps the registry in step (the hosting service checks for conflicts before it
-- writes; drift adoption and fixtures go through here too): a new object claims its name unless someone holds it
-- already, and a name is released when the last object of its owner that uses it is gone.
-- Every change of claims on overlapping names is serialised by a transaction advisory lock on the names' last two
-- labels, which any two overlapping names share (the hosting service takes the same lock before it checks).
CREATE FUNCTION domain_claim_lock(name text) RETURNS bigint LANGUAGE sql IMMUTABLE AS
	$$ SELECT hashtextextended('claim:' || coalesce(substring(lower(name) from '([^.]+\.[^.]+)$'), lower(name)), 0) $$;

-- +goose StatementBegin
CREATE FUNCTION domain_claims_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	gone text;
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		gone := lower(OLD.domain);
		PERFORM pg_advisory_xact_lock(domain_claim_lock(gone));
		DELETE FROM domain_claims d WHERE d.name = gone AND d.customer_id = OLD.customer_id
			AND NOT EXISTS (SELECT 1 FROM sites x WHERE x.customer_id = d.customer_id AND lower(x.domain) = d.name)
			AND NOT EXISTS (SELECT 1 FROM mail_domains x WHERE x.customer_id = d.customer_id AND lower(x.domain) = d.name)
			AND NOT EXISTS (SELECT 1 FROM domains x WHERE x.customer_id = d.customer_id AND lower(x.domain) = d.name);
		-- A name two customers shared before the registry passes to the one still using it.
		INSERT INTO domain_claims (name, customer_id)
			SELECT gone, u.customer_id FROM (
				SELECT customer_id FROM sites WHERE lower(domain) = gone
				UNION ALL SELECT customer_id FROM mail_domains WHERE lower(domain) = gone
				UNION ALL SELECT customer_id FROM domains WHERE lower(domain) = gone) u
			LIMIT 1
			ON CONFLICT (name) DO NOTHING;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM pg_advisory_xact_lock(domain_claim_lock(lower(NEW.domain)));
		INSERT INTO domain_claims (name, customer_id) VALUES (lower(NEW.domain), NEW.customer_id)
			ON CONFLICT (name) DO NOTHING;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sites_domain_claims AFTER INSERT OR DELETE OR UPDATE OF customer_id, domain ON sites
	FOR EACH ROW EXECUTE FUNCTION domain_claims_sync();
CREATE TRIGGER mail_domains_domain_claims AFTER INSERT OR DELETE OR UPDATE OF customer_id, domain ON mail_domains
	FOR EACH ROW EXECUTE FUNCTION domain_claims_sync();
CREATE TRIGGER domains_domain_claims AFTER INSERT OR DELETE OR UPDATE OF customer_id, domain ON domains
	FOR EACH ROW EXECUTE FUNCTION domain_claims_sync();

-- Who imposed a customer's own suspension: only that level or a higher one may lift it (reseller < billing < admin).
ALTER TABLE customers ADD COLUMN suspended_by text CHECK (suspended_by IN ('reseller', 'billing', 'admin'));
UPDATE customers SET suspended_by = 'admin' WHERE suspended_self;
ALTER TABLE customers ADD CONSTRAINT customers_suspended_by CHECK (suspended_self = (suspended_by IS NOT NULL));

-- Writes whose outcome ISPConfig did not reveal are audited as 'unknown' and settled later.
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'failure', 'denied', 'unknown'));

-- A plan's total disk over all its sites (a reseller's: over all its clients' sites), besides the per-site quota.
ALTER TABLE plans ADD COLUMN max_disk_mb integer NOT NULL DEFAULT -1 CHECK (max_disk_mb >= -1);

-- +goose Down
ALTER TABLE plans DROP COLUMN max_disk_mb;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'failure', 'denied')) NOT VALID;
ALTER TABLE customers DROP CONSTRAINT customers_suspended_by;
ALTER TABLE customers DROP COLUMN suspended_by;
DROP TRIGGER domains_domain_claims ON domains;
DROP TRIGGER mail_domains_domain_claims ON mail_domains;
DROP TRIGGER sites_domain_claims ON sites;
DROP FUNCTION domain_claims_sync();
DROP FUNCTION domain_claim_lock(text);
DROP TABLE domain_claim_conflicts;
DROP TABLE domain_claims;
DROP TABLE installation;
