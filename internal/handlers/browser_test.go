package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_SignInShowsRoleDashboard drives the real sign-in form in headless Chromium.
func TestBrowser_SignInShowsRoleDashboard(t *testing.T) {
	app := newApp(t)
	app.account("reseller@example.com", store.RoleReseller, pw)
	ctx := browsertest.New(t, 60*time.Second)

	err := chromedp.Do(ctx,
		chromedp.Navigate(app.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	)
	if err != nil {
		t.Fatalf("open sign-in page: %v", err)
	}
	browsertest.Screenshot(t, ctx, "sign-in")
	// A wrong password first: the generic message appears and we stay on the form.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "reseller@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), "not the password"),
		chromedp.Submit(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-error"]`)),
	)
	if err != nil {
		t.Fatalf("failed sign-in: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="login-error"]`)))
	if err != nil || !strings.Contains(msg, "Sign-in failed") {
		t.Fatalf("failure message %q (%v)", msg, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Clear(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), "Reseller@Example.com"),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), pw),
		chromedp.Submit(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="dashboard-reseller"]`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/reseller") {
		t.Fatalf("after sign-in at %q (%v), want /reseller", loc, err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="whoami"]`)))
	if err != nil || !strings.Contains(who, "reseller@example.com") {
		t.Fatalf("whoami %q (%v)", who, err)
	}
	browsertest.Screenshot(t, ctx, "reseller-dashboard")
	// htmx is loaded and the CSP did not block it.
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof htmx === "object" && htmx.version.startsWith("2.0.")`))
	if err != nil || !ok {
		t.Fatalf("htmx 2.0 not loaded in the page (%v)", err)
	}
	// Sign out through the real button.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.who button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
	)
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}
}
