package store_test

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/dbtest"
	"portal/internal/store"
)

// invoiceViewers is seedInvoiceViewers's database and what it seeded.
type invoiceViewers struct {
	pool   *pgxpool.Pool
	exec   func(string)
	scopes map[string]store.Scope
	credit map[int64]string // the credit balances, printed
	buyer  map[int64]int64  // invoice → its customer
	all    []int64          // every invoice, by id
	people map[string]int64 // customer ids by name
}

// seedInvoiceViewers seeds two resellers with a client each, a direct client, the operator's and each reseller's
// documents (issued, paid and a draft each) and credit balances, and returns every kind of viewer: the operator, the
// resellers, their clients, the direct client, and accounts linked to no customer.
func seedInvoiceViewers(t *testing.T) invoiceViewers {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	id := func(q string) int64 {
		t.Helper()
		var v int64
		if err := pool.QueryRow(ctx, q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	customer := func(kind, name, reseller string) int64 {
		return id(fmt.Sprintf(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
			VALUES ('%s', %s, (SELECT id FROM platforms), (SELECT id FROM plans), '%[3]s', '%[3]s@x.test', '%[3]s', 'active') RETURNING id`,
			kind, reseller, name))
	}
	r1, r2 := customer("reseller", "r1", "NULL"), customer("reseller", "r2", "NULL")
	c1, c2 := customer("client", "c1", fmt.Sprint(r1)), customer("client", "c2", fmt.Sprint(r2))
	d := customer("client", "d", "NULL")
	issuer := func(reseller string) int64 {
		return id(`WITH made AS (INSERT INTO billing_issuers (reseller_id) SELECT ` + reseller + ` WHERE NOT EXISTS
			(SELECT 1 FROM billing_issuers WHERE reseller_id IS NOT DISTINCT FROM ` + reseller + `::bigint) RETURNING id)
			SELECT id FROM made UNION ALL SELECT id FROM billing_issuers WHERE reseller_id IS NOT DISTINCT FROM ` + reseller + `::bigint`)
	}
	op, i1, i2 := issuer("NULL"), issuer(fmt.Sprint(r1)), issuer(fmt.Sprint(r2))
	n := 0
	invoice := func(iss int64, reseller string, cust int64, state string) {
		n++
		number, hash, issued := fmt.Sprintf("'N-%d'", n), fmt.Sprintf("'h%d'", n), fmt.Sprintf("date '2026-01-01' + %d", n)
		if state == "draft" {
			number, hash, issued = "NULL", "NULL", "NULL"
		}
		exec(fmt.Sprintf(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number,
			currency, document, hash, issued_on) VALUES (%d, %s, %d, 'invoice', 'manual', '%s', %s, 'EUR', '{}', %s, %s)`,
			iss, reseller, cust, state, number, hash, issued))
	}
	for _, x := range []struct {
		iss      int64
		reseller string
		cust     int64
	}{{i1, fmt.Sprint(r1), c1}, {i2, fmt.Sprint(r2), c2}, {op, "NULL", r1}, {op, "NULL", r2}, {op, "NULL", d}} {
		invoice(x.iss, x.reseller, x.cust, "issued")
		invoice(x.iss, x.reseller, x.cust, "paid")
		invoice(x.iss, x.reseller, x.cust, "draft")
	}
	// Credit balances: r1 and c1 hold some, in two currencies for r1.
	exec(fmt.Sprintf(`INSERT INTO credit_entries (customer_id, currency, amount_minor, invoice_id, reason)
		SELECT v.c, v.cur, v.amount, (SELECT min(id) FROM invoices), 'test' FROM (VALUES (%d, 'EUR', 500), (%d, 'USD', 70),
		(%d, 'EUR', 30)) v(c, cur, amount)`, r1, r1, c1))
	credit := map[int64]string{r1: "[{EUR 500} {USD 70}]", c1: "[{EUR 30}]"}
	buyer := map[int64]int64{} // invoice → its customer
	rows, _ := pool.Query(ctx, `SELECT id, customer_id FROM invoices`)
	for rows.Next() {
		var i, c int64
		_ = rows.Scan(&i, &c)
		buyer[i] = c
	}
	var all []int64
	rows, _ = pool.Query(ctx, `SELECT id FROM invoices ORDER BY id`)
	for rows.Next() {
		var v int64
		_ = rows.Scan(&v)
		all = append(all, v)
	}
	if rows.Err() != nil || len(all) != 15 {
		t.Fatalf("%d invoices (%v); want 15", len(all), rows.Err())
	}
	scopes := map[string]store.Scope{
		"operator": {Role: store.RoleAdmin}, "r1": {Role: store.RoleReseller, CustomerID: r1},
		"r2": {Role: store.RoleReseller, CustomerID: r2}, "c1": {Role: store.RoleClient, CustomerID: c1},
		"c2": {Role: store.RoleClient, CustomerID: c2}, "direct client": {Role: store.RoleClient, CustomerID: d},
		"unlinked reseller": {Role: store.RoleReseller}, "unlinked client": {Role: store.RoleClient},
	}
	return invoiceViewers{pool: pool, exec: exec, scopes: scopes, credit: credit, buyer: buyer, all: all,
		people: map[string]int64{"r1": r1, "r2": r2, "c1": c1, "c2": c2, "d": d}}
}

// TestInvoices_ListShowsWhatResolveAllows: for every kind of viewer (the operator, two resellers, their clients, a
// direct client, and accounts linked to no customer) the invoice list shows exactly the documents store.Resolve
// lets it open: the role's narrowed statement (invoiceScope) and the rule agree, drafts never show.
func TestInvoices_ListShowsWhatResolveAllows(t *testing.T) {
	v := seedInvoiceViewers(t)
	pool, scopes, credit, buyer, all := v.pool, v.scopes, v.credit, v.buyer, v.all
	ctx := context.Background()
	for name, scope := range scopes {
		l, err := store.NewBilling(pool).Invoices(ctx, scope, store.InvoiceFilter{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var listed, allowed []int64
		for _, i := range l.Invoices {
			listed = append(listed, i.ID)
		}
		for _, v := range all {
			if store.Resolve(ctx, pool, scope, store.KindInvoice, v) == nil {
				allowed = append(allowed, v)
			}
		}
		slices.Sort(listed)
		if !slices.Equal(listed, allowed) || l.Paging.Total != len(allowed) {
			t.Errorf("%s lists %v (total %d); Resolve allows %v", name, listed, l.Paging.Total, allowed)
		}
		if want := map[string]int{"operator": 10, "r1": 4, "r2": 4, "c1": 2, "c2": 2, "direct client": 2}[name]; len(allowed) != want {
			t.Errorf("%s may open %d documents; want %d", name, len(allowed), want)
		}
		// The customer filter offers every buyer of those documents (clients filter by nobody), and the credit
		// balance is the viewer's own.
		var offered []int64
		for _, c := range l.Choices.List {
			offered = append(offered, c.ID)
		}
		for _, v := range allowed {
			if scope.Role != store.RoleClient && !slices.Contains(offered, buyer[v]) {
				t.Errorf("%s's customer filter offers %v, not %d, the buyer of document %d", name, offered, buyer[v], v)
			}
		}
		if scope.Role == store.RoleClient && len(offered) > 0 {
			t.Errorf("%s's customer filter offers %v; want none", name, offered)
		}
		if got := fmt.Sprint(l.Credit); len(l.Credit) > 0 && got != credit[scope.CustomerID] || len(l.Credit) == 0 && credit[scope.CustomerID] != "" {
			t.Errorf("%s's credit balance %s; want %q", name, got, credit[scope.CustomerID])
		}
	}
}

// TestInvoices_ResellerPages walks a reseller's invoice list, forward to its end and back, and finds every document
// it may see once, in the list's order: the page statement reads the documents it issued and those issued to it as
// two branches (invoiceScope) and merges them, with issue dates shared across the branches and across page edges, a
// document it issued to itself, drafts and another reseller's documents left out, and with a state filter.
func TestInvoices_ResellerPages(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'reseller', NULL, (SELECT id FROM platforms), (SELECT id FROM plans), n, n || '@x.test', n, 'active'
		FROM unnest(ARRAY['r1', 'r2']) n`)
	exec(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'client', (SELECT id FROM customers WHERE name = r), (SELECT id FROM platforms), (SELECT id FROM plans),
			r || 'c' || g, r || 'c' || g || '@x.test', r || 'c' || g, 'active' FROM unnest(ARRAY['r1', 'r2']) r, generate_series(1, 3) g`)
	exec(`INSERT INTO billing_issuers (reseller_id) SELECT r FROM (SELECT NULL::bigint UNION ALL SELECT id FROM customers
		WHERE kind = 'reseller') v(r) WHERE NOT EXISTS (SELECT 1 FROM billing_issuers WHERE reseller_id IS NOT DISTINCT FROM r)`)
	// Documents issued by each reseller to its clients (and once by r1 to itself), and by the operator to each
	// reseller, on 40 days shared by all: 130 r1 may see, of four kinds, each day holding several.
	exec(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency, document, hash, issued_on)
		SELECT b.id, b.reseller_id, c.id, 'invoice', 'manual', CASE WHEN g % 7 = 0 THEN 'draft' WHEN g % 2 = 0 THEN 'paid' ELSE 'issued' END,
			CASE WHEN g % 7 <> 0 THEN 'N-' || c.id || '-' || g END, 'EUR', '{}', CASE WHEN g % 7 <> 0 THEN 'h' || c.id || '-' || g END,
			CASE WHEN g % 7 <> 0 THEN date '2026-01-01' + g % 40 END
		FROM customers c JOIN billing_issuers b ON b.reseller_id IS NOT DISTINCT FROM CASE WHEN c.kind = 'client' THEN c.reseller_id END
			OR c.name = 'r1' AND b.reseller_id = c.id,
			generate_series(1, 35) g`)
	var r1 int64
	if err := pool.QueryRow(ctx, `SELECT id FROM customers WHERE name = 'r1'`).Scan(&r1); err != nil {
		t.Fatal(err)
	}
	scope := store.Scope{Role: store.RoleReseller, CustomerID: r1}
	for _, state := range []string{"", "issued"} {
		var want []int64
		rows, _ := pool.Query(ctx, `SELECT id FROM invoices WHERE state <> 'draft' AND ($2 = '' OR state = $2)
			AND (issuer_reseller_id = $1 OR customer_id = $1) ORDER BY issued_on DESC, id DESC`, r1, state)
		for rows.Next() {
			var v int64
			_ = rows.Scan(&v)
			want = append(want, v)
		}
		if rows.Err() != nil || len(want) <= 2*store.InvoicesPerPage && state == "" {
			t.Fatalf("r1 may see %d documents (%v); want more than two pages", len(want), rows.Err())
		}
		page := func(ks store.Keyset) store.InvoiceListing {
			t.Helper()
			l, err := store.NewBilling(pool).Invoices(ctx, scope, store.InvoiceFilter{State: state, Keyset: ks})
			if err != nil {
				t.Fatalf("state %q: %v", state, err)
			}
			if l.Paging.Total != len(want) {
				t.Fatalf("state %q: total %d; want %d", state, l.Paging.Total, len(want))
			}
			return l
		}
		var got []int64
		var pages []store.InvoiceListing
		for l := page(store.Keyset{}); ; {
			pages = append(pages, l)
			for _, i := range l.Invoices {
				got = append(got, i.ID)
			}
			if l.Paging.Next == nil {
				break
			}
			l = page(store.Keyset{After: l.Paging.Next})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("state %q: forward, r1's list is %v; want %v", state, got, want)
		}
		// Back from the last page, each page again as it was.
		for n, l := len(pages)-1, pages[len(pages)-1]; n > 0; n-- {
			if l.Paging.Prev == nil {
				t.Fatalf("state %q: page %d has no previous page", state, n+1)
			}
			l = page(store.Keyset{Before: l.Paging.Prev})
			if !slices.EqualFunc(l.Invoices, pages[n-1].Invoices, func(a, b store.Invoice) bool { return a.ID == b.ID }) {
				t.Fatalf("state %q: back to page %d, a different page", state, n)
			}
			if n == 1 && (!l.Paging.First || l.Paging.Prev != nil) {
				t.Fatalf("state %q: back at the first page, paging %+v", state, l.Paging)
			}
		}
	}
}

// TestInvoices_ReadTheirPage: with planRows() invoices (the benchmark's reseller issuing one to each of its clients,
// 120 more to one client, and the operator's wholesale bills to the reseller), as many again from the operator to a
// direct client, issued after all of those, the invoice list's page statement reads
// a page's worth of rows for the operator and the client, on the first page and the next, on its custom and its
// generic plan: it seeks the issue-date indexes (migration 00020) to the key instead of sorting everything the
// viewer sees, and so does the reseller's, in two branches (invoiceScope). It counts rows in the plan; it is not
// timed.
func TestInvoices_ReadTheirPage(t *testing.T) {
	n := planRows()
	pool, reseller, client := benchShape(t, n)
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO billing_issuers (reseller_id) SELECT r FROM (VALUES (NULL::bigint), ($1::bigint)) v(r)
		WHERE NOT EXISTS (SELECT 1 FROM billing_issuers WHERE reseller_id IS NOT DISTINCT FROM r)`, reseller)
	exec(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency, document, hash, issued_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id = $1), $1, c.id, 'invoice', 'manual', 'issued', 'R-' || c.id, 'EUR', '{}',
			'h' || c.id, date '2026-01-01' + (c.id % 300)::int FROM customers c WHERE c.reseller_id = $1`, reseller)
	exec(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency, document, hash, issued_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id = $1), $1, $2, 'invoice', 'manual', 'issued', 'C-' || g, 'EUR', '{}',
			'c' || g, date '2026-01-01' + g FROM generate_series(1, 120) g`, reseller, client)
	exec(`INSERT INTO invoices (issuer_id, customer_id, kind, purpose, state, number, currency, document, hash, issued_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id IS NULL), $1, 'invoice', 'manual', 'paid', 'W-' || g, 'EUR', '{}',
			'w' || g, date '2026-01-01' + g * 30 FROM generate_series(1, 10) g`, reseller)
	// The operator's invoices to a direct client, all issued after the reseller's: the reseller's documents are the
	// oldest tenth of the table, which no plan reading the issue-date index across everyone reaches in a page's rows.
	exec(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'client', NULL, platform_id, plan_id, 'direct', 'direct@x.test', 'direct', 'active' FROM customers WHERE id = $1`, client)
	exec(`INSERT INTO invoices (issuer_id, customer_id, kind, purpose, state, number, currency, document, hash, issued_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id IS NULL), (SELECT id FROM customers WHERE name = 'direct'),
			'invoice', 'manual', 'paid', 'D-' || g, 'EUR', '{}', 'd' || g, date '2028-01-01' + g % 300 FROM generate_series(1, $1::int) g`, n)
	exec(`VACUUM (ANALYZE) invoices`)

	rec := &dbtest.Recorder{}
	traced := dbtest.Traced(t, pool, rec, 0)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for name, scope := range map[string]store.Scope{"operator": {Role: store.RoleAdmin}, "client": {Role: store.RoleClient, CustomerID: client},
		"reseller": {Role: store.RoleReseller, CustomerID: reseller}} {
		var next *store.Key
		for _, page := range []string{"first page", "second page"} {
			var l store.InvoiceListing
			stmts := rec.During(func() {
				if l, err = store.NewBilling(traced).Invoices(ctx, scope, store.InvoiceFilter{Keyset: store.Keyset{After: next}}); err != nil {
					t.Fatalf("%s, %s: %v", name, page, err)
				}
			})
			if len(l.Invoices) != store.InvoicesPerPage || l.Paging.Next == nil || len(stmts) != 2 {
				t.Fatalf("%s, %s: %d invoices, next %v, %d statements; want a full page, more after it, 2 statements",
					name, page, len(l.Invoices), l.Paging.Next, len(stmts))
			}
			checkReads(t, conn.Conn(), name+", "+page+" of the list", stmts[1])
			// The totals read the invoice sums (migration 00021), not the documents, and the customer picker walks
			// the buyers by label to its last choice (migration 00022).
			checkReads(t, conn.Conn(), name+", "+page+", totals and picker", stmts[0])
			if scope.Role == store.RoleReseller && page == "first page" { // and its dashboard's billing box
				sums := rec.During(func() {
					if _, err := store.NewBilling(traced).ResellerSums(ctx, reseller, "credit"); err != nil {
						t.Fatal(err)
					}
				})
				checkReads(t, conn.Conn(), "the reseller's dashboard sums", sums[0])
			}
			next = l.Paging.Next
		}
	}
}

// TestInvoices_TotalsAgreeWithDocuments: the invoice list's totals, read from the invoice sums and their pending
// changes (migration 00021), are what summing the documents each viewer may open (store.Resolve) gives, for every
// kind of viewer and each state and customer filter, and so are the totals summed from the documents themselves (a
// date filter spanning them all); as seeded and after the writes billing makes (documents of several issuers
// inserted in one statement, one a reseller issued to itself, drafts issued, payments in part and in full, a credit
// note, voiding, a draft deleted), each before and after FoldInvoiceSums takes the changes in.
func TestInvoices_TotalsAgreeWithDocuments(t *testing.T) {
	v := seedInvoiceViewers(t)
	ctx := context.Background()
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	check := func(when string) {
		t.Helper()
		type doc struct {
			kind, state, currency string
			total, open, customer int64
		}
		docs := map[int64]doc{}
		rows, _ := v.pool.Query(ctx, `SELECT id, kind, state, currency, total_minor, CASE WHEN kind = 'invoice' AND state = 'issued'
			THEN greatest(total_minor - paid_minor - credited_minor, 0) ELSE 0 END, customer_id FROM invoices`)
		for rows.Next() {
			var id int64
			var d doc
			if err := rows.Scan(&id, &d.kind, &d.state, &d.currency, &d.total, &d.open, &d.customer); err != nil {
				t.Fatal(err)
			}
			docs[id] = d
		}
		if rows.Err() != nil || len(docs) < 15 {
			t.Fatalf("%s: %d documents (%v)", when, len(docs), rows.Err())
		}
		var open int64 // what the operator's unfiltered list has open
		for name, scope := range v.scopes {
			var allowed []int64
			for id := range docs {
				if store.Resolve(ctx, v.pool, scope, store.KindInvoice, id) == nil {
					allowed = append(allowed, id)
				}
			}
			filters := []store.InvoiceFilter{{}, {State: "issued"}, {State: "paid"}, {State: "void"}}
			for _, c := range v.people {
				filters = append(filters, store.InvoiceFilter{CustomerID: c}, store.InvoiceFilter{CustomerID: c, State: "issued"})
			}
			for _, f := range filters {
				sums := map[[3]string]*store.InvoiceTotals{}
				for _, id := range allowed {
					d := docs[id]
					if f.State != "" && (d.kind != "invoice" || d.state != f.State) || f.CustomerID != 0 && d.customer != f.CustomerID {
						continue
					}
					k := [3]string{d.kind, d.state, d.currency}
					if sums[k] == nil {
						sums[k] = &store.InvoiceTotals{Kind: d.kind, State: d.state, Currency: d.currency}
					}
					sums[k].Count++
					sums[k].Total += d.total
					sums[k].Open += d.open
					if name == "operator" && f == (store.InvoiceFilter{}) {
						open += d.open
					}
				}
				var want []store.InvoiceTotals
				for _, s := range sums {
					want = append(want, *s)
				}
				slices.SortFunc(want, func(a, b store.InvoiceTotals) int { // the list's order: invoices first, by state, currency
					return cmp.Or(-cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.State, b.State), cmp.Compare(a.Currency, b.Currency))
				})
				for _, live := range []bool{false, true} {
					g := f
					if live {
						g.From = &since
					}
					l, err := store.NewBilling(v.pool).Invoices(ctx, scope, g)
					if err != nil {
						t.Fatalf("%s: %s, %+v: %v", when, name, g, err)
					}
					if fmt.Sprint(l.Totals) != fmt.Sprint(want) {
						t.Errorf("%s: %s, filter %+v (summed live: %v): totals %v; want %v", when, name, f, live, l.Totals, want)
					}
				}
			}
		}
		if !strings.HasPrefix(when, "as seeded") && open == 0 {
			t.Fatalf("%s: nothing is open; the test checks too little", when)
		}
	}
	fold := func(when string) {
		t.Helper()
		var pending int
		if err := v.pool.QueryRow(ctx, `SELECT count(*) FROM invoice_sum_changes`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		n, err := store.NewBilling(v.pool).FoldInvoiceSums(ctx)
		if err != nil || n != int64(pending) || n == 0 {
			t.Fatalf("%s: folded %d changes (%v); %d were pending", when, n, err, pending)
		}
		check(when + ", folded")
	}
	check("as seeded")
	fold("as seeded")

	v.exec(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency,
			net_minor, total_minor, document, hash, issued_on)
		SELECT b.id, b.reseller_id, c.id, 'invoice', 'manual', 'issued', 'M-' || c.id || '-' || cur, cur, 700 + c.id, 700 + c.id,
			'{}', 'm' || c.id || cur, date '2026-03-01'
		FROM customers c JOIN billing_issuers b ON b.reseller_id IS NOT DISTINCT FROM c.reseller_id
			OR c.kind = 'reseller' AND b.reseller_id = c.id, unnest(ARRAY['EUR', 'USD']) cur`)
	v.exec(`UPDATE invoices SET state = 'issued', number = 'X-' || id, hash = 'x' || id, issued_on = date '2026-04-01',
		net_minor = 1000 + id, total_minor = 1000 + id WHERE state = 'draft' AND id % 2 = 0`)
	check("issued")
	fold("issued")

	v.exec(`UPDATE invoices SET paid_minor = total_minor / 3 WHERE state = 'issued' AND total_minor > 0`)
	v.exec(`UPDATE invoices SET state = 'paid', paid_minor = total_minor WHERE state = 'issued' AND total_minor > 0 AND id % 3 = 0`)
	v.exec(`UPDATE invoices SET state = 'void' WHERE state = 'issued' AND total_minor > 0 AND id % 5 = 0`)
	v.exec(`WITH c AS (INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, credits_invoice_id,
			state, number, currency, net_minor, total_minor, document, hash, issued_on)
		SELECT issuer_id, issuer_reseller_id, customer_id, 'credit_note', 'credit', id, 'issued', 'CN-' || id, currency,
			100, 100, '{}', 'cn' || id, date '2026-05-01' FROM invoices WHERE state = 'issued' AND total_minor > 0 AND id % 2 = 1
		RETURNING credits_invoice_id)
		UPDATE invoices SET credited_minor = 100 WHERE id IN (SELECT credits_invoice_id FROM c)`)
	v.exec(`DELETE FROM invoices WHERE id = (SELECT min(id) FROM invoices WHERE state = 'draft')`)
	// Payments are summed beside the documents (migration 00024), never in the list's totals.
	v.exec(`INSERT INTO payments (invoice_id, provider, reference, currency, amount_minor, paid_at)
		SELECT id, CASE WHEN id % 2 = 0 THEN 'bank' ELSE 'credit' END, 'P-' || id, currency, paid_minor, now()
		FROM invoices WHERE paid_minor > 0`)
	check("paid, credited, voided")
	fold("paid, credited, voided")
}

// TestInvoices_SumWritersDoNotWait: two transactions writing one issuer's documents in opposite orders of state (a
// payment moves an invoice from issued to paid, then pays part of another issued one; meanwhile credited amounts
// are set on a paid invoice, then on an issued one) neither wait for each other nor deadlock, as they would if each write updated the issuer's
// sums in place, and the totals then agree with the documents.
func TestInvoices_SumWritersDoNotWait(t *testing.T) {
	v := seedInvoiceViewers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v.exec(fmt.Sprintf(`INSERT INTO invoices (issuer_id, customer_id, kind, purpose, state, number, currency, net_minor,
			total_minor, document, hash, issued_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id IS NULL), %d, 'invoice', 'manual', s, 'W-' || g, 'EUR',
			1000, 1000, '{}', 'w' || g, date '2026-02-01' FROM unnest(ARRAY['issued', 'paid', 'issued', 'issued']) WITH ORDINALITY u(s, g)`,
		v.people["d"]))
	id := func(number string) int64 {
		var n int64
		if err := v.pool.QueryRow(ctx, `SELECT id FROM invoices WHERE number = $1`, number).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	p, q, r, s := id("W-1"), id("W-2"), id("W-3"), id("W-4")
	begin := func() pgx.Tx {
		tx, err := v.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
		return tx
	}
	do := func(tx pgx.Tx, q string, args ...any) {
		t.Helper()
		wait, stop := context.WithTimeout(ctx, 3*time.Second)
		defer stop()
		if _, err := tx.Exec(wait, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	pay, credit := begin(), begin()
	do(pay, `UPDATE invoices SET state = 'paid', paid_minor = total_minor WHERE id = $1`, p)
	do(credit, `UPDATE invoices SET credited_minor = 100 WHERE id = $1`, q)
	do(pay, `UPDATE invoices SET paid_minor = 400 WHERE id = $1`, r)
	do(credit, `UPDATE invoices SET credited_minor = 50 WHERE id = $1`, s)
	for _, tx := range []pgx.Tx{pay, credit} {
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, scope := range []store.Scope{{Role: store.RoleAdmin}, {Role: store.RoleClient, CustomerID: v.people["d"]}} {
		if totals := totalsAgree(t, v.pool, fmt.Sprint(scope), scope); !strings.Contains(totals, " 1550}") {
			t.Errorf("%+v: totals %s; want 1550 open", scope, totals)
		}
	}
}

// totalsAgree fails unless scope's invoice totals from the sums (no filter) are those summed from the documents
// (a date filter spanning them all), and returns them printed.
func totalsAgree(t *testing.T, pool *pgxpool.Pool, name string, scope store.Scope) string {
	t.Helper()
	ctx := context.Background()
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	sums, err := store.NewBilling(pool).Invoices(ctx, scope, store.InvoiceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	live, err := store.NewBilling(pool).Invoices(ctx, scope, store.InvoiceFilter{From: &since})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sums.Totals) != fmt.Sprint(live.Totals) {
		t.Errorf("%s: totals %v; the documents sum to %v", name, sums.Totals, live.Totals)
	}
	return fmt.Sprint(sums.Totals)
}

// TestInvoices_FilterChoicesWithEveryFilter: the invoice list's customer filter offers what Customers.Choices
// offers for its search and choice, whatever else the list is filtered by (each statement numbers its own
// arguments, and the dated totals add some).
func TestInvoices_FilterChoicesWithEveryFilter(t *testing.T) {
	v := seedInvoiceViewers(t)
	ctx := context.Background()
	from, to := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, scope := range v.scopes {
		for _, f := range []store.InvoiceFilter{{}, {ClientQuery: "C"}, {ClientQuery: "c1", CustomerID: v.people["c2"]},
			{ClientQuery: "x.test", From: &from, To: &to, State: "issued", CustomerID: v.people["c1"]}} {
			l, err := store.NewBilling(v.pool).Invoices(ctx, scope, f)
			if err != nil {
				t.Fatalf("%s, %+v: %v", name, f, err)
			}
			want, err := store.NewCustomers(v.pool).Choices(ctx, scope, store.ChoiceQuery{For: store.ForBuyers, Query: f.ClientQuery, Chosen: f.CustomerID})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(l.Choices, want) {
				t.Errorf("%s, %+v: the filter offers %+v; Choices offers %+v", name, f, l.Choices, want)
			}
		}
	}
}

// TestInvoices_ResellerBillsOnlyItsClients: a reseller can't bill another's client (migration 00022's trigger),
// which the reseller's customer filter relies on (ForBuyers offers its clients and itself).
func TestInvoices_ResellerBillsOnlyItsClients(t *testing.T) {
	v := seedInvoiceViewers(t)
	ctx := context.Background()
	r1 := v.people["r1"]
	_, err := v.pool.Exec(ctx, `INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, currency, document)
		VALUES ((SELECT id FROM billing_issuers WHERE reseller_id = $1), $1, $2, 'invoice', 'manual', 'draft', 'EUR', '{}')`, r1, v.people["c2"])
	if err == nil || !strings.Contains(err.Error(), "bills only its own clients") {
		t.Fatalf("r1 billing r2's client: %v; want refused", err)
	}
}

// TestInvoices_FoldRaces: folds running at once, and a fold while a write has not committed, neither lose nor
// count twice any change: after the write commits and one more fold, nothing is pending and the totals agree with
// the documents.
func TestInvoices_FoldRaces(t *testing.T) {
	v := seedInvoiceViewers(t)
	ctx := context.Background()
	v.exec(`UPDATE invoices SET state = 'issued', number = 'X-' || id, hash = 'x' || id, issued_on = date '2026-04-01',
		net_minor = 1000 + id, total_minor = 1000 + id WHERE state = 'draft'`)
	tx, err := v.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE invoices SET paid_minor = 300 WHERE total_minor > 0`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := store.NewBilling(v.pool).FoldInvoiceSums(ctx)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewBilling(v.pool).FoldInvoiceSums(ctx); err != nil {
		t.Fatal(err)
	}
	var pending int
	if err := v.pool.QueryRow(ctx, `SELECT count(*) FROM invoice_sum_changes`).Scan(&pending); err != nil || pending != 0 {
		t.Fatalf("%d changes pending (%v)", pending, err)
	}
	for name, scope := range v.scopes {
		if totals := totalsAgree(t, v.pool, name, scope); name == "operator" && !strings.Contains(totals, "invoice issued") {
			t.Errorf("operator: totals %s; want issued invoices", totals)
		}
	}
}

// TestResellerSums_OwedFromTheSums: a reseller's dashboard figures for what its clients paid (payments, not credit
// applied), what they owe and what it owes the operator, and the unpaid invoices the reseller's and the operator's
// dashboards count, read from the invoice sums, are what the payments and documents say, with changes pending and
// folded in.
func TestResellerSums_OwedFromTheSums(t *testing.T) {
	v := seedInvoiceViewers(t)
	ctx := context.Background()
	v.exec(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency,
			net_minor, total_minor, paid_minor, document, hash, issued_on)
		SELECT b.id, b.reseller_id, c.id, 'invoice', 'manual', 'issued', 'O-' || c.id || cur, cur, 3000 + c.id, 3000 + c.id,
			CASE WHEN cur = 'EUR' THEN 1000 ELSE 0 END, '{}', 'o' || c.id || cur, date '2026-03-01'
		FROM customers c JOIN billing_issuers b ON b.reseller_id IS NOT DISTINCT FROM c.reseller_id, unnest(ARRAY['EUR', 'USD']) cur`)
	v.exec(`INSERT INTO payments (invoice_id, provider, reference, currency, amount_minor, paid_at)
		SELECT id, p, p || '-' || id, currency, CASE p WHEN 'bank' THEN paid_minor - 1 ELSE 1 END, now()
		FROM invoices, unnest(ARRAY['bank', 'credit']) p WHERE paid_minor > 1`)
	received := func(r int64) string {
		var s string
		if err := v.pool.QueryRow(ctx, `SELECT coalesce(string_agg(currency || ' ' || m, ', ' ORDER BY currency), '') FROM (
			SELECT p.currency, sum(p.amount_minor) AS m FROM payments p JOIN invoices i ON i.id = p.invoice_id
			WHERE i.issuer_reseller_id = $1 AND p.provider <> 'credit' GROUP BY p.currency) x`, r).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	owed := func(col string, r int64) string {
		var s string
		if err := v.pool.QueryRow(ctx, `SELECT coalesce(string_agg(currency || ' ' || o, ', ' ORDER BY currency), '') FROM (
			SELECT currency, sum(total_minor - paid_minor - credited_minor) AS o FROM invoices
			WHERE `+col+` = $1 AND kind = 'invoice' AND state = 'issued' GROUP BY currency) x`, r).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	printed := func(l []store.Amount) string {
		var out []string
		for _, a := range l {
			out = append(out, fmt.Sprintf("%s %d", a.Currency, a.Minor))
		}
		return strings.Join(out, ", ")
	}
	for _, when := range []string{"pending", "folded"} {
		if when == "folded" {
			if _, err := store.NewBilling(v.pool).FoldInvoiceSums(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// The operator's dashboard counts the invoices it issued that are unpaid.
		d, err := store.NewCustomers(v.pool).DashboardOf(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var unpaid int
		if err := v.pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE state = 'issued' AND kind = 'invoice'
			AND issuer_reseller_id IS NULL`).Scan(&unpaid); err != nil || d.Attention.Unpaid != unpaid || unpaid == 0 {
			t.Errorf("%s: the operator's dashboard counts %d unpaid invoices; the invoices say %d (%v)", when, d.Attention.Unpaid, unpaid, err)
		}
		for _, name := range []string{"r1", "r2"} {
			r := v.people[name]
			sums, err := store.NewBilling(v.pool).ResellerSums(ctx, r, "credit")
			if err != nil {
				t.Fatal(err)
			}
			c, err := store.NewCustomers(v.pool).ByID(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			d, err := store.NewCustomers(v.pool).DashboardOf(ctx, &c)
			if err != nil {
				t.Fatal(err)
			}
			var unpaid int
			if err := v.pool.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE state = 'issued' AND kind = 'invoice'
				AND (issuer_reseller_id = $1 OR customer_id = $1)`, r).Scan(&unpaid); err != nil || d.Attention.Unpaid != unpaid || unpaid == 0 {
				t.Errorf("%s, %s: its dashboard counts %d unpaid invoices; the invoices say %d (%v)", when, name, d.Attention.Unpaid, unpaid, err)
			}
			if got, want := printed(sums.Revenue), received(r); got != want || want == "" {
				t.Errorf("%s, %s: its clients paid %q; the payments say %q", when, name, got, want)
			}
			if got, want := printed(sums.Open), owed("issuer_reseller_id", r); got != want || want == "" {
				t.Errorf("%s, %s: its clients owe %q; the invoices say %q", when, name, got, want)
			}
			if got, want := printed(sums.WholesaleOpen), owed("customer_id", r); got != want || want == "" {
				t.Errorf("%s, %s: it owes the operator %q; the invoices say %q", when, name, got, want)
			}
		}
	}
}
