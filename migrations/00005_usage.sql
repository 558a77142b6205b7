-- +goose Up
-- What each customer uses, kept by triggers as objects come and go, so limit checks and dashboards read one row
-- instead of counting every object (at 100,000 sites the counts made every dashboard take a second). A client's
-- row counts its own objects; a reseller's row counts all its clients' objects, and its live clients.
CREATE TABLE usage_counters (
	customer_id   bigint PRIMARY KEY REFERENCES customers (id),
	clients       integer NOT NULL DEFAULT 0,
	sites         integer NOT NULL DEFAULT 0,
	mail_domains  integer NOT NULL DEFAULT 0,
	mailboxes     integer NOT NULL DEFAULT 0,
	mail_quota_mb bigint  NOT NULL DEFAULT 0,
	mail_aliases  integer NOT NULL DEFAULT 0,
	domains       integer NOT NULL DEFAULT 0,
	disk_mb       bigint  NOT NULL DEFAULT 0
);

INSERT INTO usage_counters (customer_id, sites, mail_domains, mailboxes, mail_quota_mb, mail_aliases, domains, disk_mb)
SELECT c.id,
	(SELECT count(*) FROM sites WHERE customer_id = c.id),
	(SELECT count(*) FROM mail_domains WHERE customer_id = c.id),
	(SELECT count(*) FROM mailboxes WHERE customer_id = c.id),
	(SELECT coalesce(sum(quota_mb), 0) FROM mailboxes WHERE customer_id = c.id),
	(SELECT count(*) FROM mail_forwards WHERE customer_id = c.id AND kind IN ('alias', 'forward')),
	(SELECT count(*) FROM domains WHERE customer_id = c.id),
	(SELECT coalesce(sum(quota_mb), 0) FROM sites WHERE customer_id = c.id AND quota_mb > 0)
FROM customers c;
UPDATE usage_counters u SET
	clients = s.clients, sites = s.sites, mail_domains = s.mail_domains, mailboxes = s.mailboxes,
	mail_quota_mb = s.mail_quota_mb, mail_aliases = s.mail_aliases, domains = s.domains, disk_mb = s.disk_mb
FROM (SELECT k.reseller_id, count(*) FILTER (WHERE k.state <> 'deleted') AS clients, sum(x.sites) AS sites,
		sum(x.mail_domains) AS mail_domains, sum(x.mailboxes) AS mailboxes, sum(x.mail_quota_mb) AS mail_quota_mb,
		sum(x.mail_aliases) AS mail_aliases, sum(x.domains) AS domains, sum(x.disk_mb) AS disk_mb
	FROM customers k JOIN usage_counters x ON x.customer_id = k.id WHERE k.reseller_id IS NOT NULL GROUP BY k.reseller_id) s
WHERE u.customer_id = s.reseller_id;

-- +goose StatementBegin
-- usage_add adds to a customer's row and to its reseller's.
CREATE FUNCTION usage_add(cust bigint, d_sites integer, d_mail_domains integer, d_mailboxes integer, d_quota bigint,
	d_aliases integer, d_domains integer, d_disk bigint) RETURNS void LANGUAGE sql AS $$
	UPDATE usage_counters u SET sites = sites + d_sites, mail_domains = mail_domains + d_mail_domains,
		mailboxes = mailboxes + d_mailboxes, mail_quota_mb = mail_quota_mb + d_quota, mail_aliases = mail_aliases + d_aliases,
		domains = domains + d_domains, disk_mb = disk_mb + d_disk
	WHERE u.customer_id = cust OR u.customer_id = (SELECT reseller_id FROM customers WHERE id = cust);
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION usage_sites() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		PERFORM usage_add(OLD.customer_id, -1, 0, 0, 0, 0, 0, -greatest(OLD.quota_mb, 0));
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM usage_add(NEW.customer_id, 1, 0, 0, 0, 0, 0, greatest(NEW.quota_mb, 0));
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION usage_mail_domains() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM usage_add(OLD.customer_id, 0, -1, 0, 0, 0, 0, 0); END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM usage_add(NEW.customer_id, 0, 1, 0, 0, 0, 0, 0); END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION usage_mailboxes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM usage_add(OLD.customer_id, 0, 0, -1, -OLD.quota_mb, 0, 0, 0); END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM usage_add(NEW.customer_id, 0, 0, 1, NEW.quota_mb, 0, 0, 0); END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION usage_mail_forwards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.kind IN ('alias', 'forward') THEN
		PERFORM usage_add(OLD.customer_id, 0, 0, 0, 0, -1, 0, 0);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.kind IN ('alias', 'forward') THEN
		PERFORM usage_add(NEW.customer_id, 0, 0, 0, 0, 1, 0, 0);
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION usage_domains() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM usage_add(OLD.customer_id, 0, 0, 0, 0, 0, -1, 0); END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM usage_add(NEW.customer_id, 0, 0, 0, 0, 0, 1, 0); END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A new customer gets its row; a reseller's client count follows its clients' births and tombstones.
CREATE FUNCTION usage_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO usage_counters (customer_id) VALUES (NEW.id);
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.reseller_id IS NOT NULL AND OLD.state <> 'deleted' THEN
		UPDATE usage_counters SET clients = clients - 1 WHERE customer_id = OLD.reseller_id;
	END IF;
	IF NEW.reseller_id IS NOT NULL AND NEW.state <> 'deleted' THEN
		UPDATE usage_counters SET clients = clients + 1 WHERE customer_id = NEW.reseller_id;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER sites_usage AFTER INSERT OR DELETE OR UPDATE OF customer_id, quota_mb ON sites
	FOR EACH ROW EXECUTE FUNCTION usage_sites();
CREATE TRIGGER mail_domains_usage AFTER INSERT OR DELETE OR UPDATE OF customer_id ON mail_domains
	FOR EACH ROW EXECUTE FUNCTION usage_mail_domains();
CREATE TRIGGER mailboxes_usage AFTER INSERT OR DELETE OR UPDATE OF customer_id, quota_mb ON mailboxes
	FOR EACH ROW EXECUTE FUNCTION usage_mailboxes();
CREATE TRIGGER mail_forwards_usage AFTER INSERT OR DELETE OR UPDATE OF customer_id, kind ON mail_forwards
	FOR EACH ROW EXECUTE FUNCTION usage_mail_forwards();
CREATE TRIGGER domains_usage AFTER INSERT OR DELETE OR UPDATE OF customer_id ON domains
	FOR EACH ROW EXECUTE FUNCTION usage_domains();
CREATE TRIGGER customers_usage AFTER INSERT OR UPDATE OF state, reseller_id ON customers
	FOR EACH ROW EXECUTE FUNCTION usage_customers();

-- +goose Down
DROP TRIGGER customers_usage ON customers;
DROP TRIGGER domains_usage ON domains;
DROP TRIGGER mail_forwards_usage ON mail_forwards;
DROP TRIGGER mailboxes_usage ON mailboxes;
DROP TRIGGER mail_domains_usage ON mail_domains;
DROP TRIGGER sites_usage ON sites;
DROP FUNCTION usage_customers();
DROP FUNCTION usage_domains();
DROP FUNCTION usage_mail_forwards();
DROP FUNCTION usage_mailboxes();
DROP FUNCTION usage_mail_domains();
DROP FUNCTION usage_sites();
DROP FUNCTION usage_add(bigint, integer, integer, integer, bigint, integer, integer, bigint);
DROP TABLE usage_counters;
