package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/dbtest"
	"portal/internal/store"
)

// The dashboard counters follow inserts, updates (state, suspension, soft delete) and deletes, in bulk too.
// withPlatformAndPlan returns a fresh database with one platform and one unlimited client plan, and a function
// that runs a statement on it.
func withPlatformAndPlan(t *testing.T) (*pgxpool.Pool, func(q string)) {
	pool := dbtest.New(t)
	exec := func(q string) {
		t.Helper()
		if _, err := pool.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO platforms (name, endpoint, seeded) VALUES ('p', 'http://isp.test', true)`)
	exec(`INSERT INTO plans (audience, name, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb) VALUES ('client', 'plan', -1, -1, -1, -1, -1, -1, -1)`)
	return pool, exec
}

func TestCountAll_FollowsEveryChange(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
		SELECT CASE WHEN g % 5 = 0 THEN 'reseller' ELSE 'client' END, (SELECT id FROM platforms), (SELECT id FROM plans),
			'c' || g, 'c' || g || '@x.test', 'c' || g, CASE WHEN g % 3 = 0 THEN 'pending' ELSE 'active' END
		FROM generate_series(1, 60) g`)
	exec(`UPDATE customers SET state = 'failed' WHERE id % 7 = 0`)
	exec(`UPDATE customers SET suspended_self = true, suspended_by = 'admin' WHERE id % 4 = 0`)
	exec(`UPDATE customers SET state = 'deleted' WHERE id % 11 = 0`)
	exec(`UPDATE customers SET state_detail = 'nothing counted changes' WHERE id < 10`)
	exec(`DELETE FROM usage_counters WHERE customer_id IN (1, 2, 3)`)
	exec(`DELETE FROM customers WHERE id IN (1, 2, 3)`)
	got, err := store.NewCustomers(pool).CountAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want store.Stats
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'reseller'), count(*) FILTER (WHERE kind = 'client'),
		count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed'),
		count(*) FILTER (WHERE suspended_self OR suspended_by_reseller) FROM customers WHERE state <> 'deleted'`).
		Scan(&want.Resellers, &want.Clients, &want.Pending, &want.Failed, &want.Suspended); err != nil {
		t.Fatal(err)
	}
	if got != want || want.Clients == 0 || want.Failed == 0 || want.Suspended == 0 {
		t.Errorf("CountAll = %+v, counting the table gives %+v", got, want)
	}
}

// A reseller's whole client list takes its total from usage_counters; it stays the number of rows the list walks
// through as clients come, are tombstoned and move between resellers, and a search still counts its matches.
func TestResellerClientList_TotalFollowsClients(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'reseller', (SELECT id FROM platforms), (SELECT id FROM plans), 'r' || g, 'r' || g || '@x.test', 'r' || g, 'active'
		FROM generate_series(1, 2) g`)
	exec(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'client', (SELECT min(id) FROM customers), (SELECT id FROM platforms), (SELECT id FROM plans),
			'Client ' || g, 'c' || g || '@x.test', 'c' || g, CASE WHEN g % 4 = 0 THEN 'pending' ELSE 'active' END
		FROM generate_series(1, 70) g`)
	exec(`UPDATE customers SET state = 'deleted' WHERE name IN ('Client 3', 'Client 5', 'Client 8')`)
	exec(`UPDATE customers SET reseller_id = (SELECT max(id) FROM customers WHERE kind = 'reseller') WHERE name LIKE 'Client 6%'`)
	var reseller int64
	if err := pool.QueryRow(ctx, `SELECT min(id) FROM customers`).Scan(&reseller); err != nil {
		t.Fatal(err)
	}
	scope := store.Scope{Role: store.RoleReseller, CustomerID: reseller}
	for _, q := range []string{"", "client 1"} {
		var want int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM customers WHERE reseller_id = $1 AND state <> 'deleted'
			AND lower(name) LIKE '%' || $2 || '%'`, reseller, q).Scan(&want); err != nil {
			t.Fatal(err)
		}
		f := store.CustomerFilter{Kind: store.RoleClient, Query: q, PerPage: 100}
		list, pg, err := store.NewCustomers(pool).List(ctx, scope, f)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Total != want || len(list) != want || want == 0 {
			t.Errorf("query %q: total %d, %d rows; counting the table gives %d", q, pg.Total, len(list), want)
		}
	}
}

// A client's whole site and mail-domain lists take their totals from its usage counter; they stay the number of
// rows listed as objects come and go, and a search still counts its matches.
func TestClientLists_TotalFollowsObjects(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
		VALUES ('client', (SELECT id FROM platforms), (SELECT id FROM plans), 'Client', 'c@x.test', 'c', 'active')`)
	exec(`INSERT INTO sites (customer_id, isp_id, domain, state, quota_mb, traffic_mb)
		SELECT (SELECT id FROM customers), g, 'site' || g || '.test', 'active', 100, -1 FROM generate_series(1, 40) g`)
	exec(`INSERT INTO mail_domains (customer_id, isp_id, domain, state)
		SELECT (SELECT id FROM customers), g, 'mail' || g || '.test', 'active' FROM generate_series(1, 30) g`)
	exec(`DELETE FROM sites WHERE domain LIKE 'site1%'`)
	exec(`DELETE FROM mail_domains WHERE domain LIKE 'mail2%'`)
	var client int64
	if err := pool.QueryRow(ctx, `SELECT id FROM customers`).Scan(&client); err != nil {
		t.Fatal(err)
	}
	scope := store.Scope{Role: store.RoleClient, CustomerID: client}
	for _, q := range []string{"", "3"} {
		var wantSites, wantMail int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sites WHERE domain LIKE '%' || $1 || '%'),
			(SELECT count(*) FROM mail_domains WHERE domain LIKE '%' || $1 || '%')`, q).Scan(&wantSites, &wantMail); err != nil {
			t.Fatal(err)
		}
		f := store.ListFilter{Query: q, PerPage: 100}
		sites, pg, err := store.NewSites(pool).List(ctx, scope, f)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Total != wantSites || len(sites) != wantSites || wantSites == 0 {
			t.Errorf("sites, query %q: total %d, %d rows; counting the table gives %d", q, pg.Total, len(sites), wantSites)
		}
		domains, pg, err := store.NewMail(pool).ListDomains(ctx, scope, f)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Total != wantMail || len(domains) != wantMail || wantMail == 0 {
			t.Errorf("mail domains, query %q: total %d, %d rows; counting the table gives %d", q, pg.Total, len(domains), wantMail)
		}
	}
}
