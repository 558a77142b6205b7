package handlers

import (
	"strings"
	"testing"

	"portal/internal/browsertest"
	"portal/internal/mailtest"
)

// TestBrowser_VisitorSignsUp drives a public signup in headless Chromium: a visitor opens a reseller's signup link,
// signs up, follows the confirmation link from the mail mailpit received, watches the set-up page reach "ready",
// and lands on a dashboard that shows the new site.
func TestBrowser_VisitorSignsUp(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	b := browsertest.New(t)
	visible := browsertest.Visible

	b.Step("open the reseller's signup link", func() {
		b.Go(app.srv.URL+w.page, visible(`[data-testid="signup-form"]`))
	})
	b.Step("sign up", func() {
		b.Fill(`#f-name`, "Bea Browser")
		b.Fill(`#f-email`, "bea@example.com")
		b.Fill(`#f-password`, "bea's chosen password")
		b.Fill(`#f-domain`, "bea-shop.example")
		b.Click(`[data-testid="terms-accept"]`, browsertest.JS("terms ticked", `document.querySelector('[data-testid="terms-accept"]').checked`))
		b.Click(`[data-testid="signup-form"] button[type="submit"]`, visible(`[data-testid="signup-sent"]`))
	})
	b.Screenshot("signup-sent")
	link := mailtest.Link(t, w.mp.Wait("bea@example.com", 1)[0].Text, app.srv.URL+"/signup/confirm/")
	b.Step("follow the confirmation link", func() {
		b.Go(link, visible(`[data-testid="signup-confirm-form"]`))
		b.Click(`[data-testid="signup-confirm"]`, visible(`[data-testid="setup-page"]`))
	})
	b.Step("watch the set-up reach ready", func() {
		b.WaitFor(browsertest.JS("the set-up page says ready",
			`document.querySelector('[data-testid="setup-state"]')?.textContent === 'ready'`))
	})
	if steps := b.Text(`[data-testid="setup-steps"]`); strings.Count(steps, "done") != 3 {
		t.Fatalf("set-up steps: %q, want all three done", steps)
	}
	b.Screenshot("signup-ready")
	b.Step("go to the dashboard", func() {
		b.Click(`[data-testid="setup-dashboard"]`, visible(`[data-testid="dashboard-site"]`))
	})
	if site := b.Text(`[data-testid="dashboard-site"]`); site != "bea-shop.example" {
		t.Fatalf("the dashboard shows %q, want the new site", site)
	}
	if who := b.Text(`[data-testid="whoami"]`); !strings.Contains(who, "bea@example.com") {
		t.Fatalf("signed in as %q", who)
	}
}
