package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"portal/internal/store"
)

// planNode is the part of an EXPLAIN (ANALYZE, FORMAT JSON) node that says how many rows it read.
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Filtered float64    `json:"Rows Removed by Filter"`
	Recheck  float64    `json:"Rows Removed by Index Recheck"`
	Plans    []planNode `json:"Plans"`
}

// widest returns the node that read the most rows (returned plus filtered out, over all its loops).
func widest(n planNode) (planNode, float64) {
	best, most := n, (n.Rows+n.Filtered+n.Recheck)*max(n.Loops, 1)
	for _, c := range n.Plans {
		if b, m := widest(c); m > most {
			best, most = b, m
		}
	}
	return best, most
}

// TestDashboards_ReadRowsIndependentOfSize: with a reseller of n clients and a client of n sites and n mail
// domains (the load benchmark's shape, docs/load-bench.md), no node of any dashboard's statement reads more than a
// few hundred rows: each count reads an index of what it counts (failed, pending, suspended, over quota), not
// everything the customer holds. PORTAL_DASH_PLAN_ROWS sets n (20,000 by default; 100,000 is the benchmark's).
// It counts rows in the plan; it is not timed.
func TestDashboards_ReadRowsIndependentOfSize(t *testing.T) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("PORTAL_DASH_PLAN_ROWS")); err == nil && v > 0 {
		n = v
	}
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO plans (audience, name, max_clients, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb,
		max_mail_aliases, max_domains, site_quota_mb) VALUES ('reseller', 'reseller', -1, -1, -1, -1, -1, -1, -1, -1),
		('client', 'small', 0, 0, -1, -1, -1, -1, -1, -1)`)
	var reseller, client int64
	if err := pool.QueryRow(ctx, `INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'reseller', (SELECT id FROM platforms), id, 'Reseller', 'r@x.test', 'r', 'active' FROM plans WHERE name = 'reseller'
		RETURNING id`).Scan(&reseller); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'client', $1, (SELECT id FROM platforms), id, 'Client', 'c@x.test', 'c', 'active' FROM plans WHERE name = 'plan'
		RETURNING id`, reseller).Scan(&client); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		// The reseller's other clients: a few failed, pending, suspended, and over quota (a plan of no sites, one site).
		`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state, suspended_self, suspended_by)
			SELECT 'client', %[1]d, (SELECT id FROM platforms), (SELECT id FROM plans WHERE name = CASE WHEN mod(g, 1000) = 7 THEN 'small' ELSE 'plan' END),
				'c' || g, 'c' || g || '@x.test', 'c' || g,
				CASE mod(g, 1000) WHEN 4 THEN 'failed' WHEN 2 THEN 'pending' ELSE 'active' END, mod(g, 1000) = 3, CASE WHEN mod(g, 1000) = 3 THEN 'admin' END
			FROM generate_series(2, %[2]d) g`,
		`INSERT INTO sites (customer_id, isp_id, domain, state, quota_mb, traffic_mb)
			SELECT id, id, 'own' || id || '.test', 'active', 10, -1 FROM customers WHERE plan_id = (SELECT id FROM plans WHERE name = 'small')`,
	} {
		if strings.Contains(q, "%[") {
			q = fmt.Sprintf(q, reseller, n, client)
		}
		exec(q)
	}
	// The client's n sites and n mail domains, a few of them failed or pending; in batches, as each row takes an
	// advisory lock on its name (domain_claims_sync) and 100,000 of them overflow the lock table.
	for lo := 1; lo <= n; lo += 10000 {
		hi := min(lo+9999, n)
		exec(fmt.Sprintf(`INSERT INTO sites (customer_id, isp_id, domain, state, quota_mb, traffic_mb)
			SELECT %d, g, 'site' || g || '.test', CASE mod(g, 1000) WHEN 1 THEN 'failed' WHEN 2 THEN 'pending' ELSE 'active' END, 100, -1
			FROM generate_series(%d, %d) g`, client, lo, hi))
		exec(fmt.Sprintf(`INSERT INTO mail_domains (customer_id, isp_id, domain, state)
			SELECT %d, g, 'mail' || g || '.test', CASE mod(g, 1000) WHEN 1 THEN 'failed' ELSE 'active' END
			FROM generate_series(%d, %d) g`, client, lo, hi))
	}
	exec(`VACUUM (ANALYZE)`)

	for role, args := range map[string][]any{"admin": nil, "reseller": {reseller}, "client": {client}} {
		var plan []struct {
			Plan planNode `json:"Plan"`
		}
		var raw []byte
		if err := pool.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+store.DashboardStatements[role], args...).Scan(&raw); err != nil {
			t.Fatalf("%s: %v", role, err)
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
			t.Fatalf("%s: plan %s: %v", role, raw, err)
		}
		node, rows := widest(plan[0].Plan)
		t.Logf("%s dashboard at %d rows: widest node %s on %s %s reads %.0f rows", role, n, node.Type, node.Relation, node.Index, rows)
		if rows > 500 {
			t.Errorf("%s dashboard at %d rows: %s on %s %s reads %.0f rows; want a few hundred at most\n%s",
				role, n, node.Type, node.Relation, node.Index, rows, raw)
		}
	}
	// The counts are right, not just cheap: n/1000 of each kind of client needing attention.
	d, err := store.NewCustomers(pool).DashboardOf(ctx, &store.Customer{ID: reseller, Kind: store.RoleReseller})
	if err != nil {
		t.Fatal(err)
	}
	if want := n / 1000; d.Attention.Failed != want || d.Attention.Pending != want || d.Attention.Suspended != want || d.Attention.OverQuota != want {
		t.Errorf("reseller's attention %+v; want %d failed, pending, suspended and over quota", d.Attention, want)
	}
}
