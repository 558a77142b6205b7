package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
)

func TestImpersonation_WhoMayActAsWhom(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	c1 := app.customer(store.RoleClient, &r1, "c1@example.com")
	c2 := app.customer(store.RoleClient, &r2, "c2@example.com")

	cases := []struct {
		who, home string
		target    store.Customer
		want      int
	}{
		{"admin@example.com", "/admin", r1, http.StatusSeeOther},
		{"admin@example.com", "/admin", c2, http.StatusSeeOther},
		{"r1@example.com", "/reseller", c1, http.StatusSeeOther},
		{"r1@example.com", "/reseller", c2, http.StatusNotFound}, // another reseller's client
		{"r1@example.com", "/reseller", r2, http.StatusNotFound}, // sideways
		{"r1@example.com", "/reseller", r1, http.StatusNotFound}, // itself
		{"c1@example.com", "/client", r1, http.StatusNotFound},   // upwards
		{"c1@example.com", "/client", c1, http.StatusNotFound},
	}
	for _, c := range cases {
		b := app.browser()
		b.mustLogin(c.who, pw, c.home)
		resp := b.post(fmt.Sprintf("/customers/%d/impersonate", c.target.ID), nil)
		if resp.StatusCode != c.want {
			t.Errorf("%s acting as %s: status %d, want %d", c.who, c.target.Email, resp.StatusCode, c.want)
		}
	}
}

func TestImpersonation_BannerAuditRefusalsAndStop(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	b := app.browser()
	b.mustLogin("r@example.com", pw, "/reseller")
	before := b.sessionToken()
	resp := b.post(fmt.Sprintf("/customers/%d/impersonate", c.ID), nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/client" {
		t.Fatalf("start: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if b.sessionToken() == before || app.sessionExists(before) {
		t.Errorf("session token not renewed when impersonation started")
	}
	page := b.get("/client")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `data-testid="impersonation-banner"`) ||
		!strings.Contains(page.body, "r@example.com") || !strings.Contains(page.body, "c@example.com") {
		t.Fatalf("client dashboard while impersonating: status %d, banner missing or incomplete", page.StatusCode)
	}
	// The reseller area is not reachable while acting as a client, and nesting is refused.
	if resp := b.get("/reseller"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("reseller area while acting as a client: %d, want 404", resp.StatusCode)
	}
	// Changing the target's password is refused.
	resp = b.post("/account/password", url.Values{"new_password": {"changed by someone else"}, "confirm_password": {"changed by someone else"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("password change while impersonating: %d, want 403", resp.StatusCode)
	}
	app.browser().mustLogin("c@example.com", pw, "/client") // unchanged
	// Actions are audited with both accounts.
	var acting, effective string
	err := app.pool.QueryRow(context.Background(), `SELECT acting_email, effective_email FROM audit_log
		WHERE action = 'password.change' AND outcome = 'denied'`).Scan(&acting, &effective)
	if err != nil || acting != "r@example.com" || effective != "c@example.com" {
		t.Errorf("audit of a refused action: acting %q effective %q (%v)", acting, effective, err)
	}
	if app.auditCount("impersonate.start", store.OutcomeSuccess) != 1 {
		t.Errorf("no impersonate.start audit row")
	}
	// Stop: back to the reseller, new token.
	mid := b.sessionToken()
	resp = b.post("/impersonate/stop", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reseller" {
		t.Fatalf("stop: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if b.sessionToken() == mid {
		t.Errorf("session token not renewed when impersonation stopped")
	}
	if page := b.get("/reseller"); page.StatusCode != http.StatusOK || strings.Contains(page.body, `data-testid="impersonation-banner"`) {
		t.Errorf("after stop: status %d, banner still shown", page.StatusCode)
	}
	if app.auditCount("impersonate.stop", store.OutcomeSuccess) != 1 {
		t.Errorf("no impersonate.stop audit row")
	}
}

func TestImpersonation_EndsByItself(t *testing.T) {
	app := newApp(t, func(o *Options) { o.Settings.ImpersonateFor = 10 * time.Minute })
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("admin@example.com", pw, "/admin")
	if resp := b.post(fmt.Sprintf("/customers/%d/impersonate", c.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	if resp := b.get("/client"); resp.StatusCode != http.StatusOK {
		t.Fatalf("acting: %d", resp.StatusCode)
	}
	app.now = time.Now().Add(11 * time.Minute)
	if resp := b.get("/client"); resp.StatusCode != http.StatusNotFound || !strings.Contains(resp.body, "ran out") {
		t.Errorf("client area after the impersonation expired: %d, want 404 (back to admin) with a notice", resp.StatusCode)
	}
	if resp := b.get("/admin"); resp.StatusCode != http.StatusOK || strings.Contains(resp.body, `data-testid="impersonation-banner"`) {
		t.Errorf("admin area after expiry: status %d, want 200 without the banner", resp.StatusCode)
	}
	if app.auditCount("impersonate.expire", store.OutcomeSuccess) != 1 {
		t.Errorf("no impersonate.expire audit row")
	}
}

func TestImpersonation_NoNesting(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	b := app.browser()
	b.mustLogin("admin@example.com", pw, "/admin")
	if resp := b.post(fmt.Sprintf("/customers/%d/impersonate", r.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin as reseller: %d", resp.StatusCode)
	}
	resp := b.post(fmt.Sprintf("/customers/%d/impersonate", c.ID), nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("nested impersonation: %d, want 409", resp.StatusCode)
	}
}
