package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
	ctx := browsertest.New(t, 90*time.Second)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS(`main`)))
			t.Fatalf("%s: %v\npage now: %.2000s", name, err, html)
		}
	}
	step("sign in",
		chromedp.Navigate(app.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "admin@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), pw),
		chromedp.Submit(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="dashboard-admin"]`)),
	)
	step("open the reseller form",
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/resellers"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="customer-table"]`)),
	)
	browsertest.Screenshot(t, ctx, "admin-resellers")
	step("create a reseller",
		chromedp.Click(chromedp.CSS(`[data-testid="new-customer"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="customer-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Acme Hosting"),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "ops@acme.test"),
		chromedp.SendKeys(chromedp.CSS(`#f-username`), "acme"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "acme reseller password"),
		chromedp.SetValue(chromedp.CSS(`#f-plan_id`), strconv.FormatInt(plan.ID, 10)),
		chromedp.Click(chromedp.CSS(`[data-testid="customer-form"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="customer-detail"]`)),
	)
	state, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="customer-detail"] [data-testid="state"]`)))
	if err != nil || state != "active" {
		t.Fatalf("new reseller state %q (%v), want active", state, err)
	}
	browsertest.Screenshot(t, ctx, "admin-customer-detail")
	step("act as the reseller",
		chromedp.Click(chromedp.CSS(`[data-testid="impersonate"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="impersonation-banner"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="dashboard-reseller"]`)),
	)
	banner, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="impersonation-banner"]`)))
	if !strings.Contains(banner, "admin@example.com") || !strings.Contains(banner, "ops@acme.test") {
		t.Fatalf("banner %q should name both accounts", banner)
	}
	browsertest.Screenshot(t, ctx, "impersonating-reseller")
	step("go back",
		chromedp.Click(chromedp.CSS(`[data-testid="impersonation-banner"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="dashboard-admin"]`)),
		chromedp.WaitNotPresent(chromedp.CSS(`[data-testid="impersonation-banner"]`)),
	)
	if app.simRowsWhere("client", "username", "acme") != 1 {
		t.Fatal("the reseller is not in ISPConfig")
	}
}
