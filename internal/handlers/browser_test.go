package handlers

import (
	"strings"
	"testing"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_SignInShowsRoleDashboard drives the real sign-in form in headless Chromium.
func TestBrowser_SignInShowsRoleDashboard(t *testing.T) {
	app := newApp(t)
	app.account("reseller@example.com", store.RoleReseller, pw)
	b := browsertest.New(t)
	const submit = `[data-testid="login-form"] button[type="submit"]`

	b.Step("open the sign-in page", func() {
		b.Go(app.srv.URL+"/", browsertest.Visible(`[data-testid="login-form"]`))
	})
	b.Screenshot("sign-in")
	b.Step("sign in with a wrong password", func() {
		// The generic message appears and we stay on the form.
		b.Fill(`#f-email`, "reseller@example.com")
		b.Fill(`#f-password`, "not the password")
		b.Click(submit, browsertest.Visible(`[data-testid="login-error"]`))
	})
	if msg := b.Text(`[data-testid="login-error"]`); !strings.Contains(msg, "Sign-in failed") {
		t.Fatalf("failure message %q", msg)
	}
	b.Step("sign in", func() {
		b.Fill(`#f-email`, "Reseller@Example.com")
		b.Fill(`#f-password`, pw)
		b.Click(submit, browsertest.Visible(`[data-testid="dashboard-reseller"]`))
	})
	if loc := b.Location(); !strings.HasSuffix(loc, "/reseller") {
		t.Fatalf("after sign-in at %q, want /reseller", loc)
	}
	if who := b.Text(`[data-testid="whoami"]`); !strings.Contains(who, "reseller@example.com") {
		t.Fatalf("whoami %q", who)
	}
	b.Screenshot("reseller-dashboard")
	// htmx is loaded and the CSP did not block it.
	b.Step("htmx 2.0 loaded", func() {
		b.WaitFor(browsertest.JS("htmx 2.0 loaded", `typeof htmx === "object" && htmx.version.startsWith("2.0.")`))
	})
	b.Step("sign out through the real button", func() {
		b.Click(`.who button`, browsertest.Visible(`[data-testid="login-form"]`))
	})
}
