package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_ClientManagesSiteAndMail drives the real screens in headless Chromium: a client creates a web site,
// a mail domain and a mailbox, changes the mailbox's password, and deletes all three again.
func TestBrowser_ClientManagesSiteAndMail(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "web@example.com")
	ctx := browsertest.New(t, 90*time.Second)
	// hx-confirm asks window.confirm; the "user" answers yes.
	acceptConfirms := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`window.confirm = () => true; true`)(ctx, t)
		return err
	})
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`body`)))
			t.Fatalf("%s: %v\npage now: %.3000s", name, err, html)
		}
	}

	step("sign in",
		chromedp.Navigate(app.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "web@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), pw),
		chromedp.Submit(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="dashboard-client"]`)),
	)
	browsertest.Screenshot(t, ctx, "client-dashboard")

	step("create a site",
		chromedp.Click(chromedp.CSS(`nav a[href="/sites"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-domain`), "Shop.Example.test"),
		chromedp.Click(chromedp.CSS(`[data-testid="site-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-title"]`)),
	)
	domain, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="site-title"]`)))
	if err != nil || domain != "shop.example.test" {
		t.Fatalf("the new site's page shows %q (%v), want the lower-cased domain", domain, err)
	}
	step("see it in the list",
		chromedp.Click(chromedp.CSS(`nav a[href="/sites"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-row"]`)),
	)
	browsertest.Screenshot(t, ctx, "client-sites")
	if n := app.simRowsWhere("web_domain", "domain", "shop.example.test"); n != 1 {
		t.Fatalf("ISPConfig has %d sites for shop.example.test, want 1", n)
	}

	step("create a mail domain",
		chromedp.Click(chromedp.CSS(`nav a[href="/mail"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="mail-domain-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="mail-domain-form"] #f-domain`), "example.test"),
		chromedp.Click(chromedp.CSS(`[data-testid="mail-domain-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="mail-domain-title"]`)),
	)
	step("create a mailbox",
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="mailbox-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-local`), "info"),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="mailbox-form"] #f-password`), "first mailbox secret"),
		chromedp.SetValue(chromedp.CSS(`[data-testid="mailbox-form"] #f-quota_mb`), "200"),
		chromedp.Click(chromedp.CSS(`[data-testid="mailbox-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="mailbox-row"]`)),
	)
	browsertest.Screenshot(t, ctx, "client-mail-domain")
	var mailboxISP int64
	if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM mailboxes WHERE email = 'info@example.test' AND customer_id = $1`, c.ID).Scan(&mailboxISP); err != nil {
		t.Fatalf("mailbox record: %v", err)
	}

	step("change the mailbox password",
		chromedp.SendKeys(chromedp.CSS(`[data-testid="mailbox-row"] input[type="password"]`), "second mailbox secret"),
		chromedp.Click(chromedp.CSS(`[data-testid="mailbox-row"] input[type="password"] + button`)),
	)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := app.isp.CheckMailUserPassword(context.Background(), mailboxISP, "second mailbox secret")
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new mailbox password never reached ISPConfig (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	step("delete the mailbox", acceptConfirms,
		chromedp.Click(chromedp.CSS(`[data-testid="mailbox-delete"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid="mailbox-row"]`)),
	)
	step("delete the mail domain",
		chromedp.Click(chromedp.CSS(`#mail-page [data-testid="mail-domain-delete"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="mail-confirm-submit"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="mail-confirm-submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="mail-domain-form"]`)),
	)
	step("delete the site",
		chromedp.Click(chromedp.CSS(`nav a[href="/sites"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-domain"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="site-domain"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-delete-link"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="site-delete-link"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-delete-confirm"]`)),
		chromedp.Submit(chromedp.CSS(`[data-testid="site-delete-confirm"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="site-empty"]`)),
	)
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
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`main`)))
	if strings.Contains(html, "shop.example.test") {
		t.Errorf("the deleted site is still listed")
	}
}
