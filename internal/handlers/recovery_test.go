package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/mailtest"
	"portal/internal/store"
)

// A password reset through the mailed link ends every session of the account, and the forgot-password answer is
// the same for a known and an unknown address.
func TestRecovery_ResetEndsAllSessions(t *testing.T) {
	mp := mailtest.Shared(t)
	app := newApp(t, withSMTP(mp.SMTPURL))
	app.startJobs()
	app.customer(store.RoleClient, nil, "hreset@example.com")
	signedIn := app.browser()
	signedIn.mustLogin("hreset@example.com", pw, "/client")
	other := app.browser()
	other.mustLogin("hreset@example.com", pw, "/client")
	tokens := []string{signedIn.sessionToken(), other.sessionToken()}

	visitor := app.browser()
	if resp := visitor.get("/login"); !strings.Contains(resp.body, `href="/password/forgot"`) {
		t.Fatal("the sign-in page has no forgot-password link")
	}
	known := visitor.post("/password/forgot", url.Values{"email": {"hreset@example.com"}})
	unknown := visitor.post("/password/forgot", url.Values{"email": {"hreset-nobody@example.com"}})
	if known.StatusCode != http.StatusOK || unknown.StatusCode != known.StatusCode ||
		strings.ReplaceAll(unknown.body, "hreset-nobody@example.com", "hreset@example.com") != known.body {
		t.Fatalf("the answers differ: %d vs %d", known.StatusCode, unknown.StatusCode)
	}
	if bad := visitor.post("/password/forgot", url.Values{"email": {"not an address"}}); bad.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(bad.body, `data-testid="error-email"`) {
		t.Fatalf("invalid address: %d", bad.StatusCode)
	}
	link := mailtest.Link(t, mp.Wait("hreset@example.com", 1)[0].Text, app.srv.URL+"/password/reset/")
	path := strings.TrimPrefix(link, app.srv.URL)
	if page := visitor.get(path); page.StatusCode != http.StatusOK || !strings.Contains(page.body, "hreset@example.com") {
		t.Fatalf("reset page: %d", page.StatusCode)
	}
	const fresh = "a fresh password after reset"
	if resp := visitor.post(path, url.Values{"password": {fresh}, "confirm_password": {fresh}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("reset: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for i, b := range []*browser{signedIn, other} {
		if resp := b.get("/client"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("session %d still works after the reset: %d", i, resp.StatusCode)
		}
		if app.sessionExists(tokens[i]) {
			t.Fatalf("session %d is still stored", i)
		}
	}
	if resp := app.browser().login("hreset@example.com", pw); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("the old password still signs in")
	}
	app.browser().mustLogin("hreset@example.com", fresh, "/client")
	if resp := app.browser().post(path, url.Values{"password": {fresh}, "confirm_password": {fresh}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second use: %d, want 404", resp.StatusCode)
	}
}

// Changing the sign-in address: a recent confirmation needed, pending until the link is confirmed, old address told.
func TestRecovery_EmailChange(t *testing.T) {
	mp := mailtest.Shared(t)
	app := newApp(t, withSMTP(mp.SMTPURL))
	app.startJobs()
	app.customer(store.RoleClient, nil, "hec-old@example.com")
	b := app.browser()
	b.mustLogin("hec-old@example.com", pw, "/client")
	// Six minutes after signing in, the address can't be changed without confirming it is them again.
	app.now = time.Now().Add(6 * time.Minute)
	for _, resp := range []response{b.get("/account/email"), b.post("/account/email", url.Values{"email": {"hec-new@example.com"}})} {
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, `action="/account/confirm"`) {
			t.Fatalf("outside the confirmation window: %d, want 403 with the confirmation form", resp.StatusCode)
		}
	}
	if n := app.env.Count(`SELECT count(*) FROM accounts WHERE pending_email IS NOT NULL`); n != 0 {
		t.Fatalf("%d pending addresses after the refusals", n)
	}
	app.now = time.Time{}
	if resp := b.post("/account/email", url.Values{"email": {"hec-new@example.com"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("request: %d %.300s", resp.StatusCode, resp.body)
	}
	if page := b.get("/account/email"); !strings.Contains(page.body, `data-testid="email-pending"`) {
		t.Fatal("the pending address is not shown")
	}
	b.mustLogin("hec-old@example.com", pw, "/client") // still the old address until confirmed
	if n := len(mp.Wait("hec-old@example.com", 1)); n != 1 {
		t.Fatalf("old address told %d times", n)
	}
	link := mailtest.Link(t, mp.Wait("hec-new@example.com", 1)[0].Text, app.srv.URL+"/account/email/confirm/")
	path := strings.TrimPrefix(link, app.srv.URL)
	visitor := app.browser()
	if page := visitor.get(path); page.StatusCode != http.StatusOK || !strings.Contains(page.body, "hec-new@example.com") {
		t.Fatalf("confirm page: %d", page.StatusCode)
	}
	if resp := visitor.post(path, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d %.300s", resp.StatusCode, resp.body)
	}
	app.browser().mustLogin("hec-new@example.com", pw, "/client")
	if resp := app.browser().login("hec-old@example.com", pw); resp.StatusCode == http.StatusSeeOther {
		t.Fatal("the old address still signs in")
	}
}
