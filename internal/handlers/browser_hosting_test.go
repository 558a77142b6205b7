package handlers

import (
	"context"
	"strings"
	"testing"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_ClientManagesSiteAndMail drives the real screens in headless Chromium: a client creates a web site,
// a mail domain and a mailbox, changes the mailbox's password, and deletes all three again.
func TestBrowser_ClientManagesSiteAndMail(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "web@example.com")
	b := browsertest.New(t)
	visible := browsertest.Visible

	b.Step("sign in", func() {
		b.Go(app.srv.URL+"/login", visible(`[data-testid="login-form"]`))
		b.Fill(`#f-email`, "web@example.com")
		b.Fill(`#f-password`, pw)
		b.Click(`[data-testid="login-form"] button[type="submit"]`, visible(`[data-testid="dashboard-client"]`))
	})
	b.Screenshot("client-dashboard")

	b.Step("create a site", func() {
		b.Click(`nav a[href="/sites"]`, visible(`[data-testid="site-form"]`))
		b.Fill(`#f-domain`, "Shop.Example.test")
		b.Click(`[data-testid="site-form"] button[type="submit"]`, visible(`[data-testid="site-title"]`))
	})
	if domain := b.Text(`[data-testid="site-title"]`); domain != "shop.example.test" {
		t.Fatalf("the new site's page shows %q, want the lower-cased domain", domain)
	}
	b.Step("see it in the list", func() {
		b.Click(`nav a[href="/sites"]`, visible(`[data-testid="site-row"]`))
	})
	b.Screenshot("client-sites")
	if n := app.simRowsWhere("web_domain", "domain", "shop.example.test"); n != 1 {
		t.Fatalf("ISPConfig has %d sites for shop.example.test, want 1", n)
	}

	b.Step("create a mail domain", func() {
		b.Click(`nav a[href="/mail"]`, visible(`[data-testid="mail-domain-form"]`))
		b.Fill(`[data-testid="mail-domain-form"] #f-domain`, "example.test")
		b.Click(`[data-testid="mail-domain-form"] button[type="submit"]`, visible(`[data-testid="mail-domain-title"]`))
	})
	b.Step("create a mailbox", func() {
		b.Fill(`#f-local`, "info")
		b.Fill(`[data-testid="mailbox-form"] #f-password`, "first mailbox secret")
		b.Fill(`[data-testid="mailbox-form"] #f-quota_mb`, "200")
		b.Click(`[data-testid="mailbox-form"] button[type="submit"]`, visible(`[data-testid="mailbox-row"]`))
	})
	b.Screenshot("client-mail-domain")
	var mailboxISP int64
	if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM mailboxes WHERE email = 'info@example.test' AND customer_id = $1`, c.ID).Scan(&mailboxISP); err != nil {
		t.Fatalf("mailbox record: %v", err)
	}

	const newPassword = `[data-testid="mailbox-row"] input[type="password"]`
	b.Step("change the mailbox password", func() {
		b.Fill(newPassword, "second mailbox secret")
		// The answer replaces the row, with an empty password field; the handler has called ISPConfig by then.
		b.Click(newPassword+` + button`, browsertest.JS("the row replaced by one with an empty password field",
			`document.querySelector('[data-testid="mailbox-row"] input[type="password"]').value === ""`))
	})
	if ok, err := app.isp.CheckMailUserPassword(context.Background(), mailboxISP, "second mailbox secret"); err != nil || !ok {
		t.Fatalf("ISPConfig does not have the new mailbox password (ok %v, %v)", ok, err)
	}

	b.Step("delete the mailbox", func() {
		b.AcceptConfirms() // hx-confirm asks window.confirm; the "user" answers yes.
		b.Click(`[data-testid="mailbox-delete"]`, browsertest.Gone(`[data-testid="mailbox-row"]`))
	})
	b.Step("delete the mail domain", func() {
		b.Click(`#mail-page [data-testid="mail-domain-delete"]`, visible(`[data-testid="mail-confirm-submit"]`))
		b.Click(`[data-testid="mail-confirm-submit"]`, visible(`[data-testid="mail-domain-form"]`))
	})
	b.Step("delete the site", func() {
		b.Click(`nav a[href="/sites"]`, visible(`[data-testid="site-domain"]`))
		b.Click(`[data-testid="site-domain"]`, visible(`[data-testid="site-delete-link"]`))
		b.Click(`[data-testid="site-delete-link"]`, visible(`[data-testid="site-delete-confirm"]`))
		b.Click(`[data-testid="site-delete-confirm"] button[type="submit"]`, visible(`[data-testid="site-empty"]`))
	})
	for _, table := range []string{"web_domain", "mail_domain", "mail_user"} {
		if n := len(app.sim.Rows(table)); n != 0 {
			t.Errorf("ISPConfig still has %d %s rows", n, table)
		}
	}
	var left int
	_ = app.pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM mail_domains) + (SELECT count(*) FROM mailboxes)`).Scan(&left)
	if left != 0 {
		t.Errorf("%d records left in Postgres", left)
	}
	if strings.Contains(b.HTML(`main`), "shop.example.test") {
		t.Errorf("the deleted site is still listed")
	}
}
