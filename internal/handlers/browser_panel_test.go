package handlers

import (
	"fmt"
	"strings"
	"testing"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_PhoneMenuDeleteStepAndGerman: on a 390 px phone the navigation folds into a menu that opens without
// JavaScript's help, a client list becomes cards that fit the screen, deleting asks first, and a browser set to
// German gets German pages.
func TestBrowser_PhoneMenuDeleteStepAndGerman(t *testing.T) {
	app := newApp(t)
	reseller := app.customer(store.RoleReseller, nil, "phone-reseller@example.com")
	client := app.customer(store.RoleClient, &reseller, "phone-client@example.com")
	app.customer(store.RoleClient, &reseller, "another-client-with-a-long-address@example.com")
	app.fixtureSite(client, "shop.phone.example", true)
	app.fixtureMailDomain(client, "phone.example", true)

	b := browsertest.New(t)
	b.Viewport(390, 844)
	b.Step("sign in on a phone", func() {
		b.Go(app.srv.URL+"/", browsertest.Visible(`[data-testid="login-form"]`))
		b.Fill(`#f-email`, "phone-reseller@example.com")
		b.Fill(`#f-password`, pw)
		b.Click(`[data-testid="login-form"] button[type="submit"]`, browsertest.Visible(`[data-testid="dashboard-reseller"]`))
	})
	b.Step("the navigation is folded into the menu", func() {
		b.WaitFor(browsertest.JS("desktop navigation hidden", `getComputedStyle(document.querySelector('.top > nav')).display === 'none'`))
		b.Click(`[data-testid="menu"] > summary`, browsertest.Visible(`[data-testid="menu"] a[href="/reseller/clients"]`))
	})
	b.Screenshot("phone-menu")
	b.Step("open the clients", func() {
		b.Click(`[data-testid="menu"] a[href="/reseller/clients"]`, browsertest.Visible(`[data-testid="customer-table"]`))
	})
	if over := b.Overflow("clients on a phone"); over > 0 {
		t.Fatalf("the client list is %d px wider than the phone", over)
	}
	b.Screenshot("phone-clients")
	b.Step("open a client: its sites are listed", func() {
		b.Click(fmt.Sprintf(`[data-testid="customer-row"] a[href="/customers/%d"]`, client.ID), browsertest.Visible(`[data-testid="customer-holdings"]`))
	})
	if sites := b.Text(`[data-testid="holdings-site"]`); !strings.Contains(sites, "shop.phone.example") {
		t.Fatalf("the client's sites: %q", sites)
	}
	b.Step("Delete asks first", func() {
		b.Click(`[data-testid="delete"]`, browsertest.Visible(`[data-testid="delete-confirm"]`))
	})

	de := browsertest.New(t)
	de.AcceptLanguage("de")
	de.Step("sign in with a German browser", func() {
		de.Go(app.srv.URL+"/", browsertest.Visible(`[data-testid="login-form"]`))
		de.Fill(`#f-email`, "phone-client@example.com")
		de.Fill(`#f-password`, pw)
		de.Click(`[data-testid="login-form"] button[type="submit"]`, browsertest.Visible(`[data-testid="dashboard-client"]`))
	})
	if h := de.Text(`[data-testid="dashboard-client"] h1`); h != "Ihr Hosting" {
		t.Fatalf("German dashboard heading %q", h)
	}
	de.Screenshot("client-dashboard-de")
}
