package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/mailtest"
	"portal/internal/store"
)

// A reseller creates a client with the form's default, an invitation: the customer page shows it pending, the
// invited owner follows the mailed link, chooses a password, and signs in with it. Resending replaces the link.
func TestInviteFlow_ResellerInvitesClient(t *testing.T) {
	mp := mailtest.Shared(t)
	app := newApp(t, withSMTP(mp.SMTPURL))
	app.startJobs()
	reseller := app.customer(store.RoleReseller, nil, "hinv-reseller@example.com")
	plan := app.plan(&reseller, store.RoleClient, "basic", unlimited)
	r := app.browser()
	r.mustLogin("hinv-reseller@example.com", pw, "/reseller")

	form := r.get("/reseller/clients/new")
	if !strings.Contains(form.body, `value="invite" checked`) {
		t.Fatalf("the create form does not default to inviting:\n%s", form.body)
	}
	// Inviting and giving a password at once is a field error, and creates nothing.
	bad := r.post("/reseller/clients", url.Values{"name": {"Ann"}, "email": {"hinv-ann@example.com"}, "username": {"hinvann"},
		"access": {"invite"}, "password": {"a long enough password"}, "plan_id": {fmt.Sprint(plan.ID)}})
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `data-testid="error-password"`) {
		t.Fatalf("invite with a password: %d", bad.StatusCode)
	}
	resp := r.post("/reseller/clients", url.Values{"name": {"Ann"}, "email": {"hinv-ann@example.com"}, "username": {"hinvann"},
		"access": {"invite"}, "plan_id": {fmt.Sprint(plan.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d %.500s", resp.StatusCode, resp.body)
	}
	page := r.get(resp.Header.Get("Location"))
	if !strings.Contains(page.body, `data-testid="invite-state"`) || !strings.Contains(page.body, "pending") {
		t.Fatalf("customer page without a pending invitation:\n%.3000s", page.body)
	}
	// Resend from the customer page: the first link stops working.
	if resp := r.post(resp.Header.Get("Location")+"/invite", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d %.300s", resp.StatusCode, resp.body)
	}
	msgs := mp.Wait("hinv-ann@example.com", 2)
	if mailtest.OutboxID(msgs[0]) > mailtest.OutboxID(msgs[1]) {
		msgs[0], msgs[1] = msgs[1], msgs[0]
	}
	base := app.srv.URL + "/invite/"
	oldLink, link := mailtest.Link(t, msgs[0].Text, base), mailtest.Link(t, msgs[1].Text, base)
	if msgs[1].From.Name != reseller.Name {
		t.Fatalf("invitation from %q, want the reseller's name", msgs[1].From.Name)
	}
	visitor := app.browser()
	path := strings.TrimPrefix(link, app.srv.URL)
	if got := visitor.get(strings.TrimPrefix(oldLink, app.srv.URL)); got.StatusCode != http.StatusNotFound {
		t.Fatalf("the replaced link: %d, want 404", got.StatusCode)
	}
	inv := visitor.get(path)
	if inv.StatusCode != http.StatusOK || !strings.Contains(inv.body, "hinv-ann@example.com") {
		t.Fatalf("invitation page: %d", inv.StatusCode)
	}
	if got := visitor.post(path, url.Values{"password": {"short"}, "confirm_password": {"short"}}); got.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(got.body, `data-testid="error-password"`) {
		t.Fatalf("weak password: %d", got.StatusCode)
	}
	const chosen = "ann chose this password"
	if got := visitor.post(path, url.Values{"password": {chosen}, "confirm_password": {chosen}}); got.StatusCode != http.StatusSeeOther || got.Header.Get("Location") != "/login" {
		t.Fatalf("accept: %d %q", got.StatusCode, got.Header.Get("Location"))
	}
	visitor.mustLogin("hinv-ann@example.com", chosen, "/client")
	if got := app.browser().post(path, url.Values{"password": {chosen}, "confirm_password": {chosen}}); got.StatusCode != http.StatusNotFound {
		t.Fatalf("second use: %d, want 404", got.StatusCode)
	}
	if page := r.get(resp.Header.Get("Location")); !strings.Contains(page.body, "accepted") || strings.Contains(page.body, "invite-resend") {
		t.Fatal("the customer page does not show the invitation accepted")
	}
	var logged int
	_ = app.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'invite.accept' AND outcome = 'success'`).Scan(&logged)
	if logged != 1 {
		t.Fatalf("%d accepts audited", logged)
	}
}
