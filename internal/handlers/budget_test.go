package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
)

// stmtCounter is a pgx tracer that, while on, records every statement run on the pool (sessions included: the
// session store shares the pool through database/sql).
type stmtCounter struct {
	mu    sync.Mutex
	on    bool
	stmts []string
}

func (c *stmtCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	if c.on {
		c.stmts = append(c.stmts, d.SQL)
	}
	c.mu.Unlock()
	return ctx
}

func (c *stmtCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// during returns the statements f ran.
func (c *stmtCounter) during(f func()) []string {
	c.mu.Lock()
	c.on, c.stmts = true, nil
	c.mu.Unlock()
	f()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.stmts
}

// withCounter runs the whole app (handlers, services, sessions) on a pool that reports to c.
func withCounter(t testing.TB, c *stmtCounter) appOption {
	return func(o *Options) {
		cfg, err := pgxpool.ParseConfig(o.Pool.Config().ConnString())
		if err != nil {
			t.Fatal(err)
		}
		cfg.ConnConfig.Tracer = c
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		o.Pool = pool
	}
}

// isWrite reports whether a statement changes data (a CTE that writes included).
func isWrite(sql string) bool {
	s := strings.ReplaceAll(strings.ToUpper(sql), "FOR UPDATE", "") // a row lock is not a write
	for _, w := range []string{"INSERT ", "UPDATE ", "DELETE ", "MERGE "} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// TestStatementBudget signs in as each role and requests every list page, dashboard and detail page: each must
// run at most its budget of SQL statements (session, account and layout included) and write nothing. It counts
// statements; it does not time anything. Pages are requested twice, and the second request counts, so a session's
// first view in a minute (its coarse last-seen write) is not what is measured.
func TestStatementBudget(t *testing.T) {
	counter := &stmtCounter{}
	app := newApp(t, withCounter(t, counter))
	reseller := app.customer(store.RoleReseller, nil, "budget-reseller@example.com")
	client := app.customer(store.RoleClient, &reseller, "budget-client@example.com")
	obj := app.fullCustomer(client, "budget")
	for i := range 30 { // more than one page of each list
		app.fixtureSite(client, fmt.Sprintf("s%02d.budget.test", i), true)
		app.fixtureMailDomain(client, fmt.Sprintf("m%02d.budget.test", i), true)
		app.fixtureDomain(client, fmt.Sprintf("d%02d.budget.test", i))
	}
	app.account("budget-admin@example.com", store.RoleAdmin, pw)

	// Detail pages are held at what they run today, so they can't grow: a client's own site reads its customer and
	// plan from the session (4); an admin's or reseller's site detail reads the owner's customer and plan (6); a mail
	// domain reads its mailboxes and forwards (6); a customer page its plan, usage, plans, sign-in and invitation (8).
	const list, dashboard, ownDetail, detail, customerDetail = 3, 3, 4, 6, 8
	type page struct {
		path   string
		budget int
	}
	site, mail := fmt.Sprint(obj[store.KindSite]), fmt.Sprint(obj[store.KindMailDomain])
	objectPages := func(siteDetail int) []page {
		return []page{{"/sites", list}, {"/sites?after=10.s09.budget.test", list}, {"/sites?before=10.s09.budget.test", list},
			{"/sites?q=budget", list}, {"/mail", list}, {"/mail?after=10.m09.budget.test", list}, {"/domains", list},
			{"/domains?after=10.d09.budget.test", list}, {"/sites/" + site, siteDetail}, {"/mail/" + mail, detail}}
	}
	roles := []struct {
		email, home string
		pages       []page
	}{
		{"budget-client@example.com", "/client", append([]page{{"/client", dashboard}}, objectPages(ownDetail)...)},
		{"budget-reseller@example.com", "/reseller", append([]page{{"/reseller", dashboard}, {"/reseller/clients", list},
			{"/reseller/clients?sort=email&desc=1", list}, {"/reseller/plans", list}, {"/reseller/signups", list},
			{fmt.Sprintf("/customers/%d", client.ID), customerDetail}}, objectPages(detail)...)},
		{"budget-admin@example.com", "/admin", append([]page{{"/admin", dashboard}, {"/admin/resellers", list},
			{"/admin/clients", list}, {"/admin/clients?sort=created", list}, {"/admin/plans", list},
			{"/admin/signups", list}, {"/admin/audit", list}, {"/admin/mail", list}, {"/admin/drift", list},
			{"/admin/platforms", list}, {fmt.Sprintf("/customers/%d", client.ID), customerDetail}}, objectPages(detail)...)},
	}
	for _, role := range roles {
		b := app.browser()
		b.mustLogin(role.email, pw, role.home)
		for _, p := range role.pages {
			if resp := b.get(p.path); resp.StatusCode != http.StatusOK {
				t.Fatalf("%s GET %s: status %d: %.300s", role.home, p.path, resp.StatusCode, resp.body)
			}
			var resp response
			stmts := counter.during(func() { resp = b.get(p.path) })
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s GET %s: status %d", role.home, p.path, resp.StatusCode)
			}
			var writes []string
			for _, s := range stmts {
				if isWrite(s) {
					writes = append(writes, s)
				}
			}
			if len(stmts) > p.budget || len(writes) > 0 {
				t.Errorf("%s GET %s: %d statements (budget %d), %d writes:\n%s", role.home, p.path, len(stmts), p.budget,
					len(writes), strings.Join(stmts, "\n---\n"))
			}
		}
	}
}
