package store_test

import (
	"context"
	"testing"

	"portal/internal/dbtest"
	"portal/internal/store"
)

// The dashboard counters follow inserts, updates (state, suspension, soft delete) and deletes, in bulk too.
func TestCountAll_FollowsEveryChange(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO platforms (name, endpoint, seeded) VALUES ('p', 'http://isp.test', true)`)
	exec(`INSERT INTO plans (audience, name, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb) VALUES ('client', 'plan', -1, -1, -1, -1, -1, -1, -1)`)
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
