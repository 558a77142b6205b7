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

-- Statement-level triggers with transition tables: one update per customer per statement, however many rows it
-- touched (a bulk import of 100,000 sites must not update the same counter row 100,000 times).
CREATE TYPE usage_delta AS (customer_id bigint, sites bigint, mail_domains bigint, mailboxes bigint,
	mail_quota_mb bigint, mail_aliases bigint, domains bigint, disk_mb bigint);

-- +goose StatementBegin
-- usage_apply adds the deltas to each customer's row and to its reseller's, one update per row.
CREATE FUNCTION usage_apply(deltas usage_delta[]) RETURNS void LANGUAGE sql AS $$
	UPDATE usage_counters u SET sites = u.sites + d.sites, mail_domains = u.mail_domains + d.mail_domains,
		mailboxes = u.mailboxes + d.mailboxes, mail_quota_mb = u.mail_quota_mb + d.mail_quota_mb,
		mail_aliases = u.mail_aliases + d.mail_aliases, domains = u.domains + d.domains, disk_mb = u.disk_mb + d.disk_mb
	FROM (SELECT x.cid, sum(x.sites) AS sites, sum(x.mail_domains) AS mail_domains, sum(x.mailboxes) AS mailboxes,
			sum(x.mail_quota_mb) AS mail_quota_mb, sum(x.mail_aliases) AS mail_aliases, sum(x.domains) AS domains,
			sum(x.disk_mb) AS disk_mb
		FROM (SELECT t.customer_id AS cid, t.sites, t.mail_domains, t.mailboxes, t.mail_quota_mb, t.mail_aliases, t.domains, t.disk_mb
				FROM unnest(deltas) t
			UNION ALL SELECT c.reseller_id, t.sites, t.mail_domains, t.mailboxes, t.mail_quota_mb, t.mail_aliases, t.domains, t.disk_mb
				FROM unnest(deltas) t JOIN customers c ON c.id = t.customer_id WHERE c.reseller_id IS NOT NULL) x
		GROUP BY x.cid) d
	WHERE u.customer_id = d.cid;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION usage_sites() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, (1)::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, (greatest(quota_mb, 0))::bigint AS disk_mb FROM n) d;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, -(1)::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, -(greatest(quota_mb, 0))::bigint AS disk_mb FROM o) d;
	ELSE
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, (1)::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, (greatest(quota_mb, 0))::bigint AS disk_mb FROM n UNION ALL SELECT customer_id, -(1)::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, -(greatest(quota_mb, 0))::bigint AS disk_mb FROM o) d;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sites_usage_insert AFTER INSERT ON sites REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_sites();
CREATE TRIGGER sites_usage_update AFTER UPDATE ON sites REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_sites();
CREATE TRIGGER sites_usage_delete AFTER DELETE ON sites REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION usage_sites();

-- +goose StatementBegin
CREATE FUNCTION usage_mail_domains() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, (1)::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM n) d;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, -(1)::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	ELSE
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, (1)::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM n UNION ALL SELECT customer_id, 0::bigint AS sites, -(1)::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER mail_domains_usage_insert AFTER INSERT ON mail_domains REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mail_domains();
CREATE TRIGGER mail_domains_usage_update AFTER UPDATE ON mail_domains REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mail_domains();
CREATE TRIGGER mail_domains_usage_delete AFTER DELETE ON mail_domains REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mail_domains();

-- +goose StatementBegin
CREATE FUNCTION usage_mailboxes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, (1)::bigint AS mailboxes, (quota_mb)::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM n) d;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, -(1)::bigint AS mailboxes, -(quota_mb)::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	ELSE
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, (1)::bigint AS mailboxes, (quota_mb)::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM n UNION ALL SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, -(1)::bigint AS mailboxes, -(quota_mb)::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER mailboxes_usage_insert AFTER INSERT ON mailboxes REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mailboxes();
CREATE TRIGGER mailboxes_usage_update AFTER UPDATE ON mailboxes REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mailboxes();
CREATE TRIGGER mailboxes_usage_delete AFTER DELETE ON mailboxes REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mailboxes();

-- +goose StatementBegin
CREATE FUNCTION usage_mail_forwards() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, (CASE WHEN kind IN ('alias', 'forward') THEN 1 ELSE 0 END)::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM n) d;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, -(CASE WHEN kind IN ('alias', 'forward') THEN 1 ELSE 0 END)::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	ELSE
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, (CASE WHEN kind IN ('alias', 'forward') THEN 1 ELSE 0 END)::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM n UNION ALL SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, -(CASE WHEN kind IN ('alias', 'forward') THEN 1 ELSE 0 END)::bigint AS mail_aliases, 0::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER mail_forwards_usage_insert AFTER INSERT ON mail_forwards REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mail_forwards();
CREATE TRIGGER mail_forwards_usage_update AFTER UPDATE ON mail_forwards REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mail_forwards();
CREATE TRIGGER mail_forwards_usage_delete AFTER DELETE ON mail_forwards REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION usage_mail_forwards();

-- +goose StatementBegin
CREATE FUNCTION usage_domains() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, (1)::bigint AS domains, 0::bigint AS disk_mb FROM n) d;
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, -(1)::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	ELSE
		PERFORM usage_apply(array_agg(row(d.customer_id, d.sites, d.mail_domains, d.mailboxes, d.mail_quota_mb, d.mail_aliases, d.domains, d.disk_mb)::usage_delta)) FROM (SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, (1)::bigint AS domains, 0::bigint AS disk_mb FROM n UNION ALL SELECT customer_id, 0::bigint AS sites, 0::bigint AS mail_domains, 0::bigint AS mailboxes, 0::bigint AS mail_quota_mb, 0::bigint AS mail_aliases, -(1)::bigint AS domains, 0::bigint AS disk_mb FROM o) d;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER domains_usage_insert AFTER INSERT ON domains REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_domains();
CREATE TRIGGER domains_usage_update AFTER UPDATE ON domains REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_domains();
CREATE TRIGGER domains_usage_delete AFTER DELETE ON domains REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION usage_domains();

-- +goose StatementBegin
-- A new customer gets its row; a reseller's client count follows its clients' births and tombstones.
CREATE FUNCTION usage_customers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO usage_counters (customer_id) SELECT id FROM n;
		UPDATE usage_counters u SET clients = u.clients + d.k
			FROM (SELECT reseller_id, count(*) AS k FROM n WHERE reseller_id IS NOT NULL AND state <> 'deleted' GROUP BY 1) d
			WHERE u.customer_id = d.reseller_id;
	ELSE
		UPDATE usage_counters u SET clients = u.clients + d.k
			FROM (SELECT x.reseller_id, sum(x.k) AS k FROM (
					SELECT reseller_id, 1 AS k FROM n WHERE reseller_id IS NOT NULL AND state <> 'deleted'
					UNION ALL SELECT reseller_id, -1 FROM o WHERE reseller_id IS NOT NULL AND state <> 'deleted') x
				GROUP BY 1) d
			WHERE u.customer_id = d.reseller_id AND d.k <> 0;
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER customers_usage_insert AFTER INSERT ON customers REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_customers();
CREATE TRIGGER customers_usage_update AFTER UPDATE ON customers REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION usage_customers();

-- +goose Down
DROP TRIGGER customers_usage_update ON customers;
DROP TRIGGER customers_usage_insert ON customers;
DROP TRIGGER sites_usage_delete ON sites;
DROP TRIGGER sites_usage_update ON sites;
DROP TRIGGER sites_usage_insert ON sites;
DROP FUNCTION usage_sites();
DROP TRIGGER mail_domains_usage_delete ON mail_domains;
DROP TRIGGER mail_domains_usage_update ON mail_domains;
DROP TRIGGER mail_domains_usage_insert ON mail_domains;
DROP FUNCTION usage_mail_domains();
DROP TRIGGER mailboxes_usage_delete ON mailboxes;
DROP TRIGGER mailboxes_usage_update ON mailboxes;
DROP TRIGGER mailboxes_usage_insert ON mailboxes;
DROP FUNCTION usage_mailboxes();
DROP TRIGGER mail_forwards_usage_delete ON mail_forwards;
DROP TRIGGER mail_forwards_usage_update ON mail_forwards;
DROP TRIGGER mail_forwards_usage_insert ON mail_forwards;
DROP FUNCTION usage_mail_forwards();
DROP TRIGGER domains_usage_delete ON domains;
DROP TRIGGER domains_usage_update ON domains;
DROP TRIGGER domains_usage_insert ON domains;
DROP FUNCTION usage_domains();
DROP FUNCTION usage_customers();
DROP FUNCTION usage_apply(usage_delta[]);
DROP TYPE usage_delta;
DROP TABLE usage_counters;
