package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
)

func TestBadInput_ClearFourHundreds(t *testing.T) {
	app := newApp(t)
	app.account("i@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("i@example.com", pw, "/client")

	cases := []struct {
		name, path, ct, body string
		want                 int
	}{
		{"unknown field", "/login", "application/x-www-form-urlencoded", "email=a%40b.c&password=x&role=admin", 400},
		{"missing fields", "/login", "application/x-www-form-urlencoded", "", 401},
		{"duplicate field", "/login", "application/x-www-form-urlencoded", "email=a&email=b&password=x", 400},
		{"invalid utf-8", "/login", "application/x-www-form-urlencoded", "email=%ff%fe&password=x", 400},
		{"malformed encoding", "/login", "application/x-www-form-urlencoded", "email=%zz&password=x", 400},
		{"wrong content type", "/login", "application/json", `{"email":"a"}`, 415},
		{"oversized body", "/login", "application/x-www-form-urlencoded", "email=" + strings.Repeat("a", 70<<10), 413},
		{"password form unknown field", "/account/password", "application/x-www-form-urlencoded", "new_password=y&confirm_password=y&account_id=1", 400},
		{"password form missing fields", "/account/password", "application/x-www-form-urlencoded", "", 422},
	}
	for _, c := range cases {
		r := b.postRaw(c.path, c.ct, c.body)
		if r.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d; body %.200s", c.name, r.StatusCode, c.want, r.body)
		}
		if r.StatusCode >= 500 {
			t.Errorf("%s: server error", c.name)
		}
	}
	// Nothing half-written: no password change happened, the user can still sign in with the old password.
	if n := app.auditCount("password.change", store.OutcomeSuccess); n != 0 {
		t.Errorf("password changed by malformed input")
	}
	app.browser().mustLogin("i@example.com", pw, "/client")
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	app := newApp(t)
	b := app.browser()
	for _, p := range []string{"/login", "/static/css/portal.css", "/healthz", "/nope"} {
		r := b.get(p)
		h := r.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q referrer %q", p, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", p)
		}
	}
	if r := b.get("/nope"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: status %d, want 404", r.StatusCode)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	app := newApp(t)
	app.account("j@example.com", store.RoleClient, pw)
	r := app.browser().login("j@example.com", pw)
	var c *http.Cookie
	for _, ck := range r.Cookies() {
		if ck.Name == "portal_session" {
			c = ck
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Lax", c)
	}
}

func TestReadiness(t *testing.T) {
	app := newApp(t)
	b := app.browser()
	if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %d", r.StatusCode)
	}
	if r := b.get("/readyz"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"ispconfig":"ok"`) {
		t.Fatalf("readyz with everything up: status %d body %s", r.StatusCode, r.body)
	}
	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	// Drop the cached API session, so readiness has to reach the platform.
	_ = app.h.isp.(*ispapi.Client).Close(context.Background())
	r := b.get("/readyz")
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.body, `"ispconfig":"unreachable"`) || !strings.Contains(r.body, `"postgres":"ok"`) {
		t.Fatalf("readyz with ISPConfig down: status %d body %s", r.StatusCode, r.body)
	}
}

func TestVendoredHTMXChecksum(t *testing.T) {
	b, err := os.ReadFile("../../static/js/htmx.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	doc, err := os.ReadFile("../../static/VENDORED.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), hex.EncodeToString(sum[:])) || !strings.Contains(string(doc), "| 2.0.") {
		t.Fatalf("static/VENDORED.md does not record htmx.min.js's checksum %x or a 2.0.x version", sum)
	}
	if !strings.Contains(string(b), `version:"2.0.`) {
		t.Errorf("htmx.min.js is not a 2.0.x build")
	}
}

func TestPlatformDown_PagesSaySoWithoutAsking(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	if r := b.get("/sites"); strings.Contains(r.body, `data-testid="platform-down-banner"`) {
		t.Fatal("banner shown while ISPConfig answers")
	}
	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	if err := app.isp.Probe(context.Background()); err == nil {
		t.Fatal("probe succeeded with ISPConfig down")
	}
	app.sim.ResetCalls()
	for _, p := range []string{"/client", "/sites", "/mail", "/domains"} {
		r := b.get(p)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="platform-down-banner"`) {
			t.Errorf("%s with ISPConfig down: status %d, banner missing", p, r.StatusCode)
		}
	}
	if n := len(app.sim.Calls()); n != 0 {
		t.Errorf("pages made %d ISPConfig calls to find out", n)
	}
	app.sim.ClearFaults()
	if err := app.isp.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := b.get("/sites"); strings.Contains(r.body, `data-testid="platform-down-banner"`) {
		t.Error("banner still shown after ISPConfig answered again")
	}
}
