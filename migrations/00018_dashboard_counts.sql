-- +goose Up
-- Dashboards at 100,000 rows (issue 11): each count a dashboard shows reads an index sized by what it counts, not
-- by everything the customer holds.

-- A client's "needs attention" list (store clientDashboard): its failed and pending objects.
CREATE INDEX sites_attention_idx ON sites (customer_id) WHERE state IN ('failed', 'pending');
CREATE INDEX mail_domains_attention_idx ON mail_domains (customer_id) WHERE state IN ('failed', 'pending');
CREATE INDEX domains_attention_idx ON domains (customer_id) WHERE state IN ('failed', 'pending');

-- Suspended customers: a reseller's clients, and the operator's resellers.
CREATE INDEX customers_reseller_suspended_idx ON customers (reseller_id)
	WHERE (suspended_self OR suspended_by_reseller) AND state <> 'deleted';
CREATE INDEX customers_kind_suspended_idx ON customers (kind)
	WHERE (suspended_self OR suspended_by_reseller) AND state <> 'deleted';

-- Over quota (store.overQuota), kept on the customer row by the triggers below in the same transaction as the
-- change that causes it, in two parts:
--   over_limits: the customer holds more than its plan allows (usage_counters against plans; a reseller's counters
--                include its clients'). Follows usage_counters, plans, and a customer's plan or kind.
--   over_usage:  the servers last reported (the usage job: site_usage, mailbox_usage) one of its own sites or
--                mailboxes using more than its quota. Follows those tables and the sites' and mailboxes' quotas.
-- Over quota is (over_limits OR over_usage). The definition lives in over_limits_expr's callers and
-- customer_over_usage below; changing it means a migration that replaces these functions and recomputes the flags.
ALTER TABLE customers ADD COLUMN over_limits boolean NOT NULL DEFAULT false,
	ADD COLUMN over_usage boolean NOT NULL DEFAULT false;
CREATE INDEX customers_reseller_over_idx ON customers (reseller_id) WHERE (over_limits OR over_usage) AND state <> 'deleted';
CREATE INDEX customers_kind_over_idx ON customers (kind) WHERE (over_limits OR over_usage) AND state <> 'deleted';

-- +goose StatementBegin
-- customer_over_limits: does customer c (its kind), with plan p and counters u, hold more than the plan allows?
CREATE FUNCTION customer_over_limits(kind text, p plans, u usage_counters) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT (p.max_sites >= 0 AND u.sites > p.max_sites) OR (p.max_mail_domains >= 0 AND u.mail_domains > p.max_mail_domains)
		OR (p.max_mailboxes >= 0 AND u.mailboxes > p.max_mailboxes) OR (p.max_mail_quota_mb >= 0 AND u.mail_quota_mb > p.max_mail_quota_mb)
		OR (p.max_mail_aliases >= 0 AND u.mail_aliases > p.max_mail_aliases) OR (p.max_domains >= 0 AND u.domains > p.max_domains)
		OR (p.max_disk_mb >= 0 AND u.disk_mb > p.max_disk_mb)
		OR (kind = 'reseller' AND p.max_clients >= 0 AND u.clients > p.max_clients)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- customer_over_usage: did the servers report one of customer cid's own sites or mailboxes over its quota?
CREATE FUNCTION customer_over_usage(cid bigint) RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM sites s JOIN site_usage su ON su.site_id = s.id
			WHERE s.customer_id = cid AND s.quota_mb > 0 AND su.disk_used_kb > s.quota_mb::bigint * 1024)
		OR EXISTS (SELECT 1 FROM mailboxes m JOIN mailbox_usage mu ON mu.mailbox_id = m.id
			WHERE m.customer_id = cid AND m.quota_mb > 0 AND mu.used_bytes > m.quota_mb::bigint * 1048576)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- over_limits_refresh recomputes over_limits of the customers ids, and updates customers only when a flag flips:
-- an ordinary counter change writes no customer row and fires no trigger on customers (an empty UPDATE would still
-- fire customers' statement triggers, and through usage_customers those of usage_counters again).
CREATE FUNCTION over_limits_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	flip bigint[];
BEGIN
	SELECT array_agg(c.id) INTO flip
	FROM customers c JOIN plans p ON p.id = c.plan_id JOIN usage_counters u ON u.customer_id = c.id
	WHERE c.id = ANY (ids) AND c.over_limits IS DISTINCT FROM customer_over_limits(c.kind, p, u);
	IF flip IS NOT NULL THEN
		UPDATE customers SET over_limits = NOT over_limits WHERE id = ANY (flip);
	END IF;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- over_usage_refresh recomputes over_usage of the customers affected by a change of usage readings or quotas.
-- Only two cases can flip it: a customer now has a row over its quota (now_over), or it was over and may no
-- longer be; the others are left alone without looking at their sites (a client with 100,000 sites).
CREATE FUNCTION over_usage_refresh(affected bigint[], now_over bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	flip bigint[];
BEGIN
	SELECT array_agg(c.id) INTO flip FROM customers c
	WHERE c.id = ANY (affected) AND (c.over_usage OR c.id = ANY (now_over))
		AND c.over_usage IS DISTINCT FROM customer_over_usage(c.id);
	IF flip IS NOT NULL THEN
		UPDATE customers SET over_usage = NOT over_usage WHERE id = ANY (flip);
	END IF;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION over_quota_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM over_limits_refresh(array(SELECT customer_id FROM n));
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER usage_counters_over_insert AFTER INSERT ON usage_counters REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_counters();
CREATE TRIGGER usage_counters_over_update AFTER UPDATE ON usage_counters REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_counters();

-- +goose StatementBegin
CREATE FUNCTION over_quota_plans() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM over_limits_refresh(array(SELECT c.id FROM customers c WHERE c.plan_id IN (SELECT id FROM n)));
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER plans_over_update AFTER UPDATE ON plans REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_plans();

-- +goose StatementBegin
CREATE FUNCTION over_quota_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM over_limits_refresh(ARRAY[NEW.id]);
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER customers_over_update AFTER UPDATE OF plan_id, kind ON customers FOR EACH ROW
	WHEN (OLD.plan_id IS DISTINCT FROM NEW.plan_id OR OLD.kind IS DISTINCT FROM NEW.kind)
	EXECUTE FUNCTION over_quota_customer();

-- +goose StatementBegin
-- Site readings: o and n are the old and new site_usage rows (either may be empty).
CREATE FUNCTION over_quota_site_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM over_usage_refresh(array(SELECT s.customer_id FROM n JOIN sites s ON s.id = n.site_id),
			array(SELECT s.customer_id FROM n JOIN sites s ON s.id = n.site_id
				WHERE s.quota_mb > 0 AND n.disk_used_kb > s.quota_mb::bigint * 1024));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM over_usage_refresh(array(SELECT s.customer_id FROM o JOIN sites s ON s.id = o.site_id), '{}');
	ELSE
		PERFORM over_usage_refresh(array(SELECT s.customer_id FROM n JOIN sites s ON s.id = n.site_id
				UNION SELECT s.customer_id FROM o JOIN sites s ON s.id = o.site_id),
			array(SELECT s.customer_id FROM n JOIN sites s ON s.id = n.site_id
				WHERE s.quota_mb > 0 AND n.disk_used_kb > s.quota_mb::bigint * 1024));
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER site_usage_over_insert AFTER INSERT ON site_usage REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_site_usage();
CREATE TRIGGER site_usage_over_update AFTER UPDATE ON site_usage REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_site_usage();
CREATE TRIGGER site_usage_over_delete AFTER DELETE ON site_usage REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_site_usage();

-- +goose StatementBegin
CREATE FUNCTION over_quota_mailbox_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM over_usage_refresh(array(SELECT m.customer_id FROM n JOIN mailboxes m ON m.id = n.mailbox_id),
			array(SELECT m.customer_id FROM n JOIN mailboxes m ON m.id = n.mailbox_id
				WHERE m.quota_mb > 0 AND n.used_bytes > m.quota_mb::bigint * 1048576));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM over_usage_refresh(array(SELECT m.customer_id FROM o JOIN mailboxes m ON m.id = o.mailbox_id), '{}');
	ELSE
		PERFORM over_usage_refresh(array(SELECT m.customer_id FROM n JOIN mailboxes m ON m.id = n.mailbox_id
				UNION SELECT m.customer_id FROM o JOIN mailboxes m ON m.id = o.mailbox_id),
			array(SELECT m.customer_id FROM n JOIN mailboxes m ON m.id = n.mailbox_id
				WHERE m.quota_mb > 0 AND n.used_bytes > m.quota_mb::bigint * 1048576));
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER mailbox_usage_over_insert AFTER INSERT ON mailbox_usage REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_mailbox_usage();
CREATE TRIGGER mailbox_usage_over_update AFTER UPDATE ON mailbox_usage REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_mailbox_usage();
CREATE TRIGGER mailbox_usage_over_delete AFTER DELETE ON mailbox_usage REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_mailbox_usage();

-- +goose StatementBegin
-- A site's or mailbox's quota or owner changes, or it goes (its reading goes with it, ON DELETE CASCADE, when the
-- row is no longer there to name the owner): recheck the old and the new owner.
CREATE FUNCTION over_quota_objects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		PERFORM over_usage_refresh(array(SELECT DISTINCT customer_id FROM o), '{}');
	ELSIF TG_TABLE_NAME = 'sites' THEN
		PERFORM over_usage_refresh(array(SELECT n.customer_id FROM n JOIN o ON o.id = n.id
				WHERE (n.quota_mb, n.customer_id) IS DISTINCT FROM (o.quota_mb, o.customer_id)
				UNION SELECT o.customer_id FROM n JOIN o ON o.id = n.id
				WHERE (n.quota_mb, n.customer_id) IS DISTINCT FROM (o.quota_mb, o.customer_id)),
			array(SELECT n.customer_id FROM n JOIN site_usage su ON su.site_id = n.id
				WHERE n.quota_mb > 0 AND su.disk_used_kb > n.quota_mb::bigint * 1024));
	ELSE
		PERFORM over_usage_refresh(array(SELECT n.customer_id FROM n JOIN o ON o.id = n.id
				WHERE (n.quota_mb, n.customer_id) IS DISTINCT FROM (o.quota_mb, o.customer_id)
				UNION SELECT o.customer_id FROM n JOIN o ON o.id = n.id
				WHERE (n.quota_mb, n.customer_id) IS DISTINCT FROM (o.quota_mb, o.customer_id)),
			array(SELECT n.customer_id FROM n JOIN mailbox_usage mu ON mu.mailbox_id = n.id
				WHERE n.quota_mb > 0 AND mu.used_bytes > n.quota_mb::bigint * 1048576));
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER sites_over_update AFTER UPDATE ON sites REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_objects();
CREATE TRIGGER sites_over_delete AFTER DELETE ON sites REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_objects();
CREATE TRIGGER mailboxes_over_update AFTER UPDATE ON mailboxes REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_objects();
CREATE TRIGGER mailboxes_over_delete AFTER DELETE ON mailboxes REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION over_quota_objects();

-- The flags of the customers there are.
UPDATE customers t SET over_limits = customer_over_limits(c.kind, p, u), over_usage = customer_over_usage(c.id)
FROM customers c JOIN plans p ON p.id = c.plan_id JOIN usage_counters u ON u.customer_id = c.id
WHERE t.id = c.id AND (customer_over_limits(c.kind, p, u) OR customer_over_usage(c.id));

-- +goose Down
DROP TRIGGER mailboxes_over_delete ON mailboxes;
DROP TRIGGER mailboxes_over_update ON mailboxes;
DROP TRIGGER sites_over_delete ON sites;
DROP TRIGGER sites_over_update ON sites;
DROP FUNCTION over_quota_objects();
DROP TRIGGER mailbox_usage_over_delete ON mailbox_usage;
DROP TRIGGER mailbox_usage_over_update ON mailbox_usage;
DROP TRIGGER mailbox_usage_over_insert ON mailbox_usage;
DROP FUNCTION over_quota_mailbox_usage();
DROP TRIGGER site_usage_over_delete ON site_usage;
DROP TRIGGER site_usage_over_update ON site_usage;
DROP TRIGGER site_usage_over_insert ON site_usage;
DROP FUNCTION over_quota_site_usage();
DROP TRIGGER customers_over_update ON customers;
DROP FUNCTION over_quota_customer();
DROP TRIGGER plans_over_update ON plans;
DROP FUNCTION over_quota_plans();
DROP TRIGGER usage_counters_over_update ON usage_counters;
DROP TRIGGER usage_counters_over_insert ON usage_counters;
DROP FUNCTION over_quota_counters();
DROP FUNCTION over_usage_refresh(bigint[], bigint[]);
DROP FUNCTION over_limits_refresh(bigint[]);
DROP FUNCTION customer_over_usage(bigint);
DROP FUNCTION customer_over_limits(text, plans, usage_counters);
DROP INDEX customers_kind_over_idx;
DROP INDEX customers_reseller_over_idx;
ALTER TABLE customers DROP COLUMN over_usage, DROP COLUMN over_limits;
DROP INDEX customers_kind_suspended_idx;
DROP INDEX customers_reseller_suspended_idx;
DROP INDEX domains_attention_idx;
DROP INDEX mail_domains_attention_idx;
DROP INDEX sites_attention_idx;
