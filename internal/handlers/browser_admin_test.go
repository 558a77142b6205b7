package handlers

import (
	"strconv"
	"strings"
	"testing"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_AdminCreatesResellerAndActsAsIt: an admin creates a reseller through the real form, sees it active,
// acts as it (the banner shows both accounts) and goes back.
func TestBrowser_AdminCreatesResellerAndActsAsIt(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	plan := app.plan(nil, store.RoleReseller, "Reseller Pro", unlimited)
	app.customer(store.RoleReseller, nil, "existing@example.com")
	b := browsertest.New(t)

	b.Step("sign in", func() {
		b.Go(app.srv.URL+"/login", browsertest.Visible(`[data-testid="login-form"]`))
		b.Fill(`#f-email`, "admin@example.com")
		b.Fill(`#f-password`, pw)
		b.Click(`[data-testid="login-form"] button[type="submit"]`, browsertest.Visible(`[data-testid="dashboard-admin"]`))
	})
	// Settings and records sit under "More" on a wide screen; the row keeps the everyday pages.
	b.Step("open More", func() {
		b.Click(`[data-testid="nav-more"] > summary`, browsertest.Visible(`[data-testid="nav-more"] a[href="/admin/audit"]`))
	})
	b.Screenshot("admin-nav-more")
	b.Step("open the audit log under More", func() {
		b.Click(`[data-testid="nav-more"] a[href="/admin/audit"]`, browsertest.Visible(`[data-testid="audit-table"]`))
	})
	b.Step("open the reseller list", func() {
		b.Click(`nav a[href="/admin/resellers"]`, browsertest.Visible(`[data-testid="customer-table"]`))
	})
	b.Screenshot("admin-resellers")
	b.Step("create a reseller", func() {
		b.Click(`[data-testid="new-customer"]`, browsertest.Visible(`[data-testid="customer-form"]`))
		b.Fill(`#f-name`, "Acme Hosting")
		b.Fill(`#f-email`, "ops@acme.test")
		b.Fill(`#f-username`, "acme")
		// The default is to invite the owner by email (no password here).
		b.Select(`#f-plan_id`, strconv.FormatInt(plan.ID, 10))
		b.Click(`[data-testid="customer-form"] button[type="submit"]`, browsertest.Visible(`[data-testid="customer-detail"]`))
	})
	if state := b.Text(`[data-testid="customer-detail"] [data-testid="state"]`); state != "active" {
		t.Fatalf("new reseller state %q, want active", state)
	}
	b.Screenshot("admin-customer-detail")
	b.Step("act as the reseller", func() {
		b.Click(`[data-testid="impersonate"]`, browsertest.Visible(`[data-testid="dashboard-reseller"]`))
	})
	banner := b.Text(`[data-testid="impersonation-banner"]`)
	if !strings.Contains(banner, "admin@example.com") || !strings.Contains(banner, "ops@acme.test") {
		t.Fatalf("banner %q should name both accounts", banner)
	}
	b.Screenshot("impersonating-reseller")
	b.Step("go back", func() {
		b.Click(`[data-testid="impersonation-banner"] button`, browsertest.Visible(`[data-testid="dashboard-admin"]`))
		b.WaitFor(browsertest.Gone(`[data-testid="impersonation-banner"]`))
	})
	if app.simRowsWhere("client", "username", "acme") != 1 {
		t.Fatal("the reseller is not in ISPConfig")
	}
}
