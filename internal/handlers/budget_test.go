package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portal/internal/dbtest"
	"portal/internal/store"
)

// withCounter runs the whole app (handlers, services, sessions) on a pool that reports to rec.
func withCounter(t testing.TB, rec *dbtest.Recorder) appOption {
	return func(o *Options) { o.Pool = dbtest.Traced(t, o.Pool, rec, 0) }
}

// TestStatementBudget signs in as each role and requests every list page, dashboard and detail page: each must
// run at most its budget of SQL statements (session, account and layout included) and write nothing. It counts
// statements; it does not time anything. Pages are requested twice, and the second request counts, so a session's
// first view in a minute (its coarse last-seen write) is not what is measured.
func TestStatementBudget(t *testing.T) {
	rec := &dbtest.Recorder{}
	app := newApp(t, withCounter(t, rec))
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
	// domain reads its mailboxes and forwards (6); a customer page its plan, usage, plans, sign-in, invitation and
	// billing box (9).
	const list, dashboard, ownDetail, detail, customerDetail = 3, 3, 4, 6, 9
	type page struct {
		path   string
		budget int
	}
	site, mail := fmt.Sprint(obj[store.KindSite]), fmt.Sprint(obj[store.KindMailDomain])
	objectPages := func(siteDetail int) []page {
		return []page{{"/sites", list}, {"/sites?after=10.s09.budget.test", list}, {"/sites?before=10.s09.budget.test", list},
			{"/sites?q=budget", list}, {"/mail", list}, {"/mail?after=10.m09.budget.test", list}, {"/domains", list},
			{"/invoices", list}, {"/invoices?state=issued&after=10.2026-01-01", list},
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
			stmts := rec.During(func() { resp = b.get(p.path) })
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s GET %s: status %d", role.home, p.path, resp.StatusCode)
			}
			var writes int
			sqls := make([]string, len(stmts))
			for i, s := range stmts {
				sqls[i] = s.SQL
				if s.IsWrite() {
					writes++
				}
			}
			if len(stmts) > p.budget || writes > 0 {
				t.Errorf("%s GET %s: %d statements (budget %d), %d writes:\n%s", role.home, p.path, len(stmts), p.budget,
					writes, strings.Join(sqls, "\n---\n"))
			}
		}
	}
}
