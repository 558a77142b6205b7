package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/dbtest"
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

// planRows is the size the plan tests seed: PORTAL_DASH_PLAN_ROWS, 20,000 by default (100,000 is the benchmark's).
func planRows() int {
	if v, err := strconv.Atoi(os.Getenv("PORTAL_DASH_PLAN_ROWS")); err == nil && v > 0 {
		return v
	}
	return 20000
}

// benchShape seeds the load benchmark's shape (docs/load-bench.md): a reseller of n clients, the first of which
// holds n sites and n mail domains, a few of each failed, pending, suspended or over quota; and an invoice from the
// reseller to each client, a third of them paid, their sums folded in.
func benchShape(t *testing.T, n int) (pool *pgxpool.Pool, reseller, client int64) {
	t.Helper()
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO plans (audience, name, max_clients, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb,
		max_mail_aliases, max_domains, site_quota_mb) VALUES ('reseller', 'reseller', -1, -1, -1, -1, -1, -1, -1, -1),
		('client', 'small', 0, 0, -1, -1, -1, -1, -1, -1)`)
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
	exec(fmt.Sprintf(`INSERT INTO billing_issuers (reseller_id) VALUES (NULL), (%d) ON CONFLICT DO NOTHING`, reseller))
	exec(fmt.Sprintf(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency,
			net_minor, total_minor, paid_minor, document, hash, issued_on, due_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id = %[1]d), %[1]d, c.id, 'invoice', 'manual',
			CASE WHEN c.id %% 3 = 0 THEN 'paid' ELSE 'issued' END, 'B-' || c.id, 'EUR', 1000, 1000,
			CASE WHEN c.id %% 3 = 0 THEN 1000 ELSE 0 END, '{}', 'b' || c.id, date '2026-01-01' + (c.id %% 300)::int,
			date '2026-02-01' + (c.id %% 300)::int
		FROM customers c WHERE c.reseller_id = %[1]d`, reseller))
	// Folded on a connection of its own, closed afterwards: the plan tests count what the pool's connections prepared.
	c, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.NewBilling(c.Conn()).FoldInvoiceSums(ctx)
	_ = c.Hijack().Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exec(`VACUUM (ANALYZE)`)
	return pool, reseller, client
}

// TestPageStatements_ReadFewRows: with a reseller of n clients and a client of n sites and n mail domains, and an
// invoice to each client (the load benchmark's shape, docs/load-bench.md), at 100 rows and at planRows(), no node
// of a list page's or a dashboard's statement reads more than a few hundred rows: nor of the invoice lists'
// statements and the reseller's billing box, which read every invoice until the sixth round (the harness found it;
// this test had no invoices). Each dashboard count reads an index of what it
// counts (failed, pending, suspended, over quota), not everything the customer holds; each list seeks its sort
// index and stops at the page. At 100 rows it also holds the planner's costs (store.ConfigurePool): at
// Postgres's default random_page_cost the site list read the whole customers table once for every site on the
// page (2,626 rows). It counts rows in the plan; it is not timed.
func TestPageStatements_ReadFewRows(t *testing.T) {
	for _, n := range []int{100, planRows()} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			pool, reseller, client := benchShape(t, n)
			ctx := context.Background()
			rec := &dbtest.Recorder{}
			traced := dbtest.Traced(t, pool, rec, 0)
			stmts := map[string]dbtest.Statement{}
			for name, l := range listCalls(ctx, traced, n, reseller, client) {
				got := rec.During(func() {
					if _, err := l.run(); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				})
				if len(got) != 1 {
					t.Fatalf("%s ran %d statements; want 1: %v", name, len(got), got)
				}
				stmts[name] = got[0]
			}
			for role, args := range map[string][]any{"admin": nil, "reseller": {reseller}, "client": {client}} {
				stmts[role+" dashboard"] = dbtest.Statement{SQL: store.DashboardStatements[role], Args: args}
			}
			// Billing's reads on a list page and a dashboard: each viewer's invoice list (its head, with the totals
			// and the customer filter, and its page), and the reseller's billing box.
			for name, run := range map[string]func() error{
				"operator's invoices": func() error {
					_, err := store.NewBilling(traced).Invoices(ctx, store.Scope{Role: store.RoleAdmin}, store.InvoiceFilter{})
					return err
				},
				"reseller's invoices": func() error {
					_, err := store.NewBilling(traced).Invoices(ctx, store.Scope{Role: store.RoleReseller, CustomerID: reseller}, store.InvoiceFilter{})
					return err
				},
				"client's invoices": func() error {
					_, err := store.NewBilling(traced).Invoices(ctx, store.Scope{Role: store.RoleClient, CustomerID: client}, store.InvoiceFilter{})
					return err
				},
				"reseller's billing box": func() error {
					_, err := store.NewBilling(traced).ResellerSums(ctx, reseller, "credit")
					return err
				},
				// Searches for a client few match (customerSearch: migration 00026's trigram index), planned for
				// their term.
				"search: picker": func() error {
					_, err := store.NewCustomers(traced).Choices(ctx, store.Scope{Role: store.RoleReseller, CustomerID: reseller},
						store.ChoiceQuery{For: store.ForObjects, Query: "C" + strconv.Itoa(n-1) + "@x"})
					return err
				},
				"search: client list": func() error {
					_, _, err := store.NewCustomers(traced).List(ctx, store.Scope{Role: store.RoleReseller, CustomerID: reseller},
						store.CustomerFilter{Kind: store.RoleClient, Query: "c" + strconv.Itoa(n-1) + "@X", PerPage: 25})
					return err
				},
			} {
				got := rec.During(func() {
					if err := run(); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
				})
				for i, st := range got {
					stmts[fmt.Sprintf("%s (statement %d)", name, i+1)] = st
				}
			}
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			for name, st := range stmts {
				if strings.HasPrefix(name, "search: ") {
					checkPlans(t, conn.Conn(), fmt.Sprintf("%s at %d rows", name, n), st, "custom")
					continue
				}
				checkReads(t, conn.Conn(), fmt.Sprintf("%s at %d rows", name, n), st)
			}
			if n < 1000 {
				return
			}
			// The counts are right, not just cheap: n/1000 of each kind of client needing attention.
			d, err := store.NewCustomers(pool).DashboardOf(ctx, &store.Customer{ID: reseller, Kind: store.RoleReseller})
			if err != nil {
				t.Fatal(err)
			}
			if want := n / 1000; d.Attention.Failed != want || d.Attention.Pending != want || d.Attention.Suspended != want || d.Attention.OverQuota != want {
				t.Errorf("reseller's attention %+v; want %d failed, pending, suspended and over quota", d.Attention, want)
			}
		})
	}
}

// TestPlanInUse_ReadsItsCustomers: counting a plan's customers (and so the over-limits refresh when a plan
// changes, and the delete's foreign key check) reads that plan's customers through customers_plan_idx, not every
// customer: at planRows() clients, a plan of n/1000 of them. It counts rows in the plan; it is not timed.
func TestPlanInUse_ReadsItsCustomers(t *testing.T) {
	n := planRows()
	pool, _, _ := benchShape(t, n)
	ctx := context.Background()
	var small int64
	if err := pool.QueryRow(ctx, `SELECT id FROM plans WHERE name = 'small'`).Scan(&small); err != nil {
		t.Fatal(err)
	}
	var want int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM customers WHERE plan_id = $1`, small).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if got, err := store.NewPlans(pool).InUse(ctx, small); err != nil || got != want || want == 0 {
		t.Fatalf("InUse = %d, %v; want the plan's %d customers (some)", got, err, want)
	}
	var raw []byte
	if err := pool.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM customers WHERE plan_id = $1 AND state <> 'deleted'`,
		small).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var plan []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
		t.Fatalf("plan %s: %v", raw, err)
	}
	if node, rows := widest(plan[0].Plan); rows > 500 {
		t.Errorf("counting a plan of %d customers: %s on %s %s reads %.0f rows\n%s", want, node.Type, node.Relation, node.Index, rows, raw)
	}
}

// checkReads explains st on both plans it may run on: the custom one, for its arguments (the first five
// executions of a prepared statement, and whenever Postgres prefers it), and the generic one, for any arguments,
// which it keeps after that when its estimate is no worse (TestLists_PlannedOnceAtSize); it fails when any node of
// either reads more than 500 rows.
func checkReads(t *testing.T, c *pgx.Conn, name string, st dbtest.Statement) {
	t.Helper()
	checkPlans(t, c, name, st, "custom", "generic")
}

// checkPlans is checkReads on the plans of the given modes: "custom" (planned for its arguments, as an unnamed
// statement always is: listSpec.term) and "generic" (a prepared statement's kept plan).
func checkPlans(t *testing.T, c *pgx.Conn, name string, st dbtest.Statement, modes ...string) {
	t.Helper()
	ctx := context.Background()
	for _, mode := range modes {
		var raw []byte
		var err error
		if mode == "custom" {
			err = c.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+st.SQL, st.Args...).Scan(&raw)
		} else {
			raw, err = explainGeneric(ctx, c, st)
		}
		if err != nil {
			t.Fatalf("%s, %s plan: %v", name, mode, err)
		}
		var plan []struct {
			Plan planNode `json:"Plan"`
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
			t.Fatalf("%s, %s plan: %s: %v", name, mode, raw, err)
		}
		node, rows := widest(plan[0].Plan)
		t.Logf("%s, %s plan: widest node %s on %s %s reads %.0f rows", name, mode, node.Type, node.Relation, node.Index, rows)
		if rows > 500 {
			t.Errorf("%s, %s plan: %s on %s %s reads %.0f rows; want a few hundred at most\n%s",
				name, mode, node.Type, node.Relation, node.Index, rows, raw)
		}
	}
}

// explainGeneric runs st on its generic plan, as a prepared statement does once Postgres keeps that plan, and
// returns EXPLAIN (ANALYZE, FORMAT JSON) of it.
func explainGeneric(ctx context.Context, c *pgx.Conn, st dbtest.Statement) ([]byte, error) {
	if _, err := c.Exec(ctx, `PREPARE plan_check AS `+st.SQL); err != nil {
		return nil, err
	}
	defer c.Exec(ctx, `DEALLOCATE plan_check`)
	if _, err := c.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		return nil, err
	}
	defer c.Exec(ctx, `RESET plan_cache_mode`)
	execute := `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE plan_check`
	if len(st.Args) > 0 {
		ph := make([]string, len(st.Args))
		for i := range ph {
			ph[i] = "$" + strconv.Itoa(i+1)
		}
		execute += "(" + strings.Join(ph, ", ") + ")"
	}
	// The simple protocol writes the arguments into EXECUTE as literals, typed by the prepared statement.
	var raw []byte
	err := c.QueryRow(ctx, execute, append([]any{pgx.QueryExecModeSimpleProtocol}, st.Args...)...).Scan(&raw)
	return raw, err
}

// list is one list a page shows, read through the store, and how many rows it must return.
type list struct {
	run  func() (int, error)
	want int
}

// listCalls are the lists of the benchmark's pages (the first page and a page deep in it, of sites, mail domains
// and a reseller's clients, by each sort) and a customer's page's holdings, on db.
func listCalls(ctx context.Context, db store.DBTX, n int, reseller, client int64) map[string]list {
	own := store.Scope{Role: store.RoleClient, CustomerID: client}
	clients := store.Scope{Role: store.RoleReseller, CustomerID: reseller}
	half := &store.Key{Value: "site" + strconv.Itoa(n/2) + ".test", ID: int64(n / 2)}
	lists := map[string]list{
		"sites": {func() (int, error) {
			l, _, err := store.NewSites(db).List(ctx, own, store.ListFilter{PerPage: 25})
			return len(l), err
		}, 25},
		"sites, deep": {func() (int, error) {
			l, _, err := store.NewSites(db).List(ctx, own, store.ListFilter{PerPage: 25, Keyset: store.Keyset{After: half}})
			return len(l), err
		}, 25},
		"mail domains": {func() (int, error) {
			l, _, err := store.NewMail(db).ListDomains(ctx, own, store.MailDomainFilter{PerPage: 25})
			return len(l), err
		}, 25},
		// A customer's page lists the first 20 of each kind it holds: 20 sites and 20 mail domains (no domains).
		"a customer's holdings": {func() (int, error) {
			l, err := store.NewCustomers(db).Holdings(ctx, client, 20)
			return len(l), err
		}, 40},
	}
	for _, sort := range []string{"name", "created", "state", "email"} {
		lists["clients by "+sort] = list{func() (int, error) {
			l, _, err := store.NewCustomers(db).List(ctx, clients, store.CustomerFilter{Kind: store.RoleClient, Sort: sort, PerPage: 25})
			return len(l), err
		}, 25}
	}
	return lists
}

// TestLists_PlannedOnceAtSize: at the benchmark's shape, every list statement (the first page and a page deep in
// it, of sites, mail domains and a reseller's clients, by each sort; and a customer's page's holdings) runs on its
// prepared statement's generic plan once Postgres has tried five custom ones, instead of being planned afresh on
// every execution. Postgres chooses by estimated cost; with the limit passed as a parameter it priced a long
// list's generic plan at a tenth of the list and chose custom plans (already at 20,000 rows); at 100,000 rows a
// list statement then took 1 ms instead of 0.15–0.2 ms (docs/load-bench.md, fifth round). It counts plans; it is
// not timed.
func TestLists_PlannedOnceAtSize(t *testing.T) {
	n := planRows()
	pool, reseller, client := benchShape(t, n)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx) // prepared statements, and their plan counts, are per connection
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	lists := listCalls(ctx, conn, n, reseller, client)
	for name, l := range lists {
		for range 10 {
			if got, err := l.run(); err != nil || got != l.want {
				t.Fatalf("%s: %d rows, %v; want %d", name, got, err, l.want)
			}
		}
	}
	rows, err := conn.Query(ctx, `SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%ORDER BY%' AND statement NOT LIKE '%pg_prepared_statements%'`)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for rows.Next() {
		var (
			sql             string
			generic, custom int64
		)
		if err := rows.Scan(&sql, &generic, &custom); err != nil {
			t.Fatal(err)
		}
		seen++
		t.Logf("at %d rows: %d generic plans, %d custom plans: %.80s…", n, generic, custom, sql)
		if custom > 5 {
			t.Errorf("at %d rows, planned afresh %d times of %d executions (Postgres tries 5 custom plans, then keeps the generic "+
				"one when its estimate is no worse):\n%s", n, custom, custom+generic, sql)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(lists) {
		t.Errorf("%d list statements prepared on the connection; want %d (one per list)", seen, len(lists))
	}
}
