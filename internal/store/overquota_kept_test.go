package store_test

import (
	"context"
	"testing"
)

// directOverQuota is over quota computed from the objects themselves (plans, usage_counters, site_usage,
// mailbox_usage), as the dashboards computed it before the flags were kept: the reference the kept flags must equal.
const directOverQuota = `((p.max_sites >= 0 AND u.sites > p.max_sites) OR (p.max_mail_domains >= 0 AND u.mail_domains > p.max_mail_domains)
	OR (p.max_mailboxes >= 0 AND u.mailboxes > p.max_mailboxes) OR (p.max_mail_quota_mb >= 0 AND u.mail_quota_mb > p.max_mail_quota_mb)
	OR (p.max_mail_aliases >= 0 AND u.mail_aliases > p.max_mail_aliases) OR (p.max_domains >= 0 AND u.domains > p.max_domains)
	OR (p.max_disk_mb >= 0 AND u.disk_mb > p.max_disk_mb)
	OR (c.kind = 'reseller' AND p.max_clients >= 0 AND u.clients > p.max_clients)
	OR c.id IN (SELECT s.customer_id FROM site_usage su JOIN sites s ON s.id = su.site_id
		WHERE s.quota_mb > 0 AND su.disk_used_kb > s.quota_mb::bigint * 1024)
	OR c.id IN (SELECT m.customer_id FROM mailbox_usage mu JOIN mailboxes m ON m.id = mu.mailbox_id
		WHERE m.quota_mb > 0 AND mu.used_bytes > m.quota_mb::bigint * 1048576))`

// TestOverQuota_KeptEqualsDirect: after each kind of change that can move a customer over or under quota, the
// flags the triggers keep equal the direct computation for every customer, and the change moved the customer it
// should.
func TestOverQuota_KeptEqualsDirect(t *testing.T) {
	w := newOverQuotaWorld(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := w.pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	kept := func(name string) bool {
		t.Helper()
		var over bool
		if err := w.pool.QueryRow(ctx, `SELECT over_limits OR over_usage FROM customers WHERE id = $1`, w.ids[name]).Scan(&over); err != nil {
			t.Fatal(err)
		}
		return over
	}
	check := func(step, name string, want bool) {
		t.Helper()
		rows, err := w.pool.Query(ctx, `SELECT c.name, c.over_limits OR c.over_usage, `+directOverQuota+`
			FROM customers c JOIN plans p ON p.id = c.plan_id JOIN usage_counters u ON u.customer_id = c.id
			WHERE (c.over_limits OR c.over_usage) IS DISTINCT FROM `+directOverQuota)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			var k, d bool
			if err := rows.Scan(&n, &k, &d); err != nil {
				t.Fatal(err)
			}
			t.Errorf("after %s: %s kept over quota %v, direct %v", step, n, k, d)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if name != "" && kept(name) != want {
			t.Errorf("after %s: %s over quota %v, want %v", step, name, !want, want)
		}
	}
	check("seeding", "direct-two-sites", true)
	check("seeding", "reseller-own-box", true)
	check("seeding", "direct-at-quota", false)

	site := func(name string) int64 {
		t.Helper()
		var id int64
		if err := w.pool.QueryRow(ctx, `SELECT id FROM sites WHERE domain = $1`, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	// Usage job: a site's reading goes over its quota, back under, then over again.
	full := site("full.direct.test")
	exec(`UPDATE site_usage SET disk_used_kb = disk_used_kb + 1 WHERE site_id = $1`, full)
	check("a reading over quota", "direct-at-quota", true)
	exec(`UPDATE site_usage SET disk_used_kb = 1 WHERE site_id = $1`, full)
	check("a reading back under quota", "direct-at-quota", false)
	exec(`INSERT INTO site_usage (site_id, disk_used_kb, observed_at) VALUES ($1, 1, now())
		ON CONFLICT (site_id) DO UPDATE SET disk_used_kb = 20000`, full)
	check("an upserted reading", "direct-at-quota", true)
	// The site's quota is raised: under again.
	exec(`UPDATE sites SET quota_mb = 100 WHERE id = $1`, full)
	check("a site quota raised", "direct-at-quota", false)
	// A mailbox reading falls under its quota.
	exec(`UPDATE mailbox_usage SET used_bytes = 1 WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE email = 'info@own.reseller.test')`)
	check("a mailbox reading under quota", "reseller-own-box", false)
	exec(`UPDATE mailboxes SET quota_mb = 0 WHERE email = 'info@box.test'`)
	check("a mailbox quota lifted", "client-mailbox", false)

	// Plan changes: the plan's limit is raised; a customer moves to a smaller plan.
	exec(`UPDATE plans SET max_sites = 2 WHERE name = 'one site'`)
	check("a plan's limit raised", "direct-two-sites", false)
	exec(`UPDATE plans SET max_sites = 1 WHERE name = 'one site'`)
	check("a plan's limit lowered", "direct-two-sites", true)
	exec(`UPDATE customers SET plan_id = (SELECT id FROM plans WHERE name = 'free') WHERE id = $1`, w.ids["direct-two-sites"])
	check("a move to a plan without limits", "direct-two-sites", false)
	exec(`UPDATE customers SET plan_id = (SELECT id FROM plans WHERE name = 'one site') WHERE id = $1`, w.ids["direct-unlimited"])
	check("a move to a smaller plan", "direct-unlimited", false)

	// Sites added and deleted: a second site makes the one-site client over; deleting it, not; deleting a site
	// over its quota (its reading goes with it) takes the client under.
	exec(`INSERT INTO sites (customer_id, domain, quota_mb, state, isp_id) VALUES ($1, 'two.unlimited.test', 10, 'active', 2)`, w.ids["direct-unlimited"])
	check("a site added", "direct-unlimited", true)
	exec(`DELETE FROM sites WHERE domain = 'two.unlimited.test'`)
	check("a site deleted", "direct-unlimited", false)
	exec(`DELETE FROM sites WHERE domain = 'disk.direct.test'`)
	check("a site over quota deleted", "direct-disk", false)
	// A reseller's clients: a client site's disk allotment counts against the reseller's max_disk_mb.
	exec(`UPDATE sites SET quota_mb = 5 WHERE domain = 'big.disk.test'`)
	check("a client site's allotment lowered", "reseller-disk", false)
	exec(`UPDATE sites SET quota_mb = 11 WHERE domain = 'big.disk.test'`)
	check("a client site's allotment raised", "reseller-disk", true)

	// Suspension and deletion: a suspended client stays over quota; a deleted client no longer counts against
	// its reseller's client limit.
	exec(`UPDATE customers SET suspended_by_reseller = true WHERE id = $1`, w.ids["many-2"])
	check("a suspension", "reseller-many-clients", true)
	exec(`UPDATE customers SET state = 'deleted' WHERE id = $1`, w.ids["many-2"])
	check("a client deleted", "reseller-many-clients", false)
}
