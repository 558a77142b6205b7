package handlers

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_ResellerFindsAClientByTyping: in headless Chromium, a reseller with more clients than its site form
// offers types part of the last one's address into the client picker, sees the matches replace the first clients
// (GET /clients/choices), picks it and creates a site for it.
func TestBrowser_ResellerFindsAClientByTyping(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "reseller@example.com")
	var clients []store.Customer
	for i := 1; i <= store.MaxChoices+2; i++ {
		clients = append(clients, app.customer(store.RoleClient, &r, fmt.Sprintf("client%02d@shop.test", i)))
	}
	first, last := clients[0], clients[len(clients)-1]
	radio := func(c store.Customer) string {
		return `[data-testid="picker-customer_id"] input[type=radio][value="` + strconv.FormatInt(c.ID, 10) + `"]`
	}
	b := browsertest.New(t)
	visible, gone := browsertest.Visible, browsertest.Gone

	b.Step("sign in", func() {
		b.Go(app.srv.URL+"/login", visible(`[data-testid="login-form"]`))
		b.Fill(`#f-email`, "reseller@example.com")
		b.Fill(`#f-password`, pw)
		b.Click(`[data-testid="login-form"] button[type="submit"]`, visible(`[data-testid="dashboard-reseller"]`))
	})
	b.Step("open the site form", func() {
		b.Click(`nav a[href="/sites"]`, visible(radio(first)))
		b.WaitFor(gone(radio(last)))
	})
	b.Step("fill in the site, choose the first client, then search for the last", func() {
		b.Fill(`#f-domain`, "found.example.test")
		b.Click(radio(first), browsertest.JS("the first client chosen", `document.querySelector('`+radio(first)+`').checked`))
		b.Fill(`[data-testid="picker-customer_id"] input[type=search]`, "client12@")
		b.WaitFor(visible(radio(last)))
	})
	// The first client stays chosen (and offered) while the search shows the last one.
	b.Screenshot("reseller-client-picker")
	// Enter in the search box searches; it does not send the form for the client chosen before.
	b.Step("press Enter in the search box", func() {
		b.Enter(`[data-testid="picker-customer_id"] input[type=search]`, browsertest.JS("still on the form",
			`!document.querySelector('[data-testid="site-title"]') && !!document.querySelector('`+radio(last)+`')`))
	})
	if n := countRows(t, app, `SELECT count(*) FROM sites`); n != 0 {
		t.Fatalf("Enter in the search box created %d sites, want none", n)
	}
	b.Step("choose the last client and create the site", func() {
		b.Click(radio(last), browsertest.JS("the last client chosen", `document.querySelector('`+radio(last)+`').checked`))
		b.Click(`[data-testid="site-form"] button[type="submit"]`, visible(`[data-testid="site-title"]`))
	})
	var owner int64
	if err := app.pool.QueryRow(context.Background(), `SELECT customer_id FROM sites WHERE domain = 'found.example.test'`).Scan(&owner); err != nil || owner != last.ID {
		t.Fatalf("the site's owner: %d (%v), want the client found, %d", owner, err, last.ID)
	}
}
