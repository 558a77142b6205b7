package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
)

func TestLogin_EachRoleLandsOnItsDashboard(t *testing.T) {
	app := newApp(t)
	for _, role := range []store.Role{store.RoleAdmin, store.RoleReseller, store.RoleClient} {
		email := string(role) + "@example.com"
		app.account(email, role, pw)
		b := app.browser()
		b.mustLogin(email, pw, "/"+string(role))
		resp := b.get("/" + string(role))
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="dashboard-`+string(role)+`"`) {
			t.Fatalf("%s dashboard: status %d, body lacks its dashboard: %.300s", role, resp.StatusCode, resp.body)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s dashboard Cache-Control = %q, want no-store", role, got)
		}
	}
	if n := app.auditCount("signin.success", store.OutcomeSuccess); n != 3 {
		t.Errorf("signin.success audit rows = %d, want 3", n)
	}
}

func TestLogin_EmailIsCaseInsensitive(t *testing.T) {
	app := newApp(t)
	app.account("Mixed.Case@Example.com", store.RoleClient, pw)
	app.browser().mustLogin("  mixed.case@EXAMPLE.COM ", pw, "/client")
}

func TestLogin_FailuresShareOneMessage(t *testing.T) {
	app := newApp(t)
	app.account("known@example.com", store.RoleClient, pw)
	cases := map[string]url.Values{
		"unknown email":  {"email": {"nobody@example.com"}, "password": {pw}},
		"wrong password": {"email": {"known@example.com"}, "password": {"wrong password!!"}},
		"empty password": {"email": {"known@example.com"}, "password": {""}},
		"empty email":    {"email": {""}, "password": {pw}},
	}
	for name, form := range cases {
		b := app.browser()
		resp := b.post("/login", form)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		}
		if !strings.Contains(resp.body, signInFailed) {
			t.Errorf("%s: body lacks the generic failure message", name)
		}
		if b.sessionToken() != "" {
			t.Errorf("%s: a session cookie was set", name)
		}
		if r := b.get("/client"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: /client after failed login: status %d, want redirect to /login", name, r.StatusCode)
		}
	}
	// Failed attempts are counted per key and hour, not written to the audit log one row each.
	if n := app.attemptCount("signin.failed"); n != 4 {
		t.Errorf("counted failed sign-ins = %d, want 4", n)
	}
	if n := app.auditCount("signin.failure", ""); n != 0 {
		t.Errorf("signin.failure audit rows = %d, want 0", n)
	}
	var raw int
	if err := app.pool.QueryRow(context.Background(), `SELECT count(*) FROM attempt_counts WHERE key LIKE '%nobody%'`).Scan(&raw); err != nil || raw != 0 {
		t.Errorf("the typed email of an unknown account is stored (%d rows, %v)", raw, err)
	}
}

func TestLogin_LockoutAfterRepeatedFailures(t *testing.T) {
	app := newApp(t)
	acct := app.account("victim@example.com", store.RoleClient, pw)
	b := app.browser()
	for i := 0; i < 5; i++ {
		if r := b.login(acct.Email, "not the password"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i+1, r.StatusCode)
		}
	}
	if n := app.auditCount("signin.lockout", store.OutcomeFailure); n != 1 {
		t.Fatalf("signin.lockout audit rows = %d, want 1", n)
	}
	// Locked: even the right password fails, with the same message.
	r := b.login(acct.Email, pw)
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, signInFailed) {
		t.Fatalf("correct password while locked: status %d, want 401 with the generic message", r.StatusCode)
	}
	if n := app.attemptCount("signin.locked"); n != 1 {
		t.Errorf("counted sign-ins refused while locked = %d, want 1", n)
	}
	// After the lockout ends the right password works again.
	app.now = time.Now().Add(16 * time.Minute)
	b.mustLogin(acct.Email, pw, "/client")
}

func TestLogin_RateLimited(t *testing.T) {
	app := newApp(t, func(o *Options) { o.LoginRatePerIP = 3; o.LoginRatePerAccount = 1000 })
	app.account("a@example.com", store.RoleClient, pw)
	b := app.browser()
	for i := 0; i < 3; i++ {
		b.login("someone"+string(rune('a'+i))+"@example.com", "x")
	}
	r := b.login("a@example.com", pw)
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th attempt from one IP: status %d, want 429", r.StatusCode)
	}
	if n := app.attemptCount("signin.limited"); n != 1 {
		t.Errorf("counted rate-limited sign-ins = %d, want 1", n)
	}

	app2 := newApp(t, func(o *Options) { o.LoginRatePerIP = 1000; o.LoginRatePerAccount = 2 })
	app2.account("b@example.com", store.RoleClient, pw)
	for i := 0; i < 2; i++ {
		app2.browser().login("B@example.com", "wrong")
	}
	if r := app2.browser().login("b@example.com", pw); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("3rd attempt for one account: status %d, want 429", r.StatusCode)
	}
}

func TestLogin_RenewsSessionToken(t *testing.T) {
	app := newApp(t)
	app.account("c@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	first := b.sessionToken()
	if first == "" || !app.sessionExists(first) {
		t.Fatalf("no server-side session after sign-in")
	}
	b.mustLogin("c@example.com", pw, "/client")
	second := b.sessionToken()
	if second == first {
		t.Fatalf("session token was not renewed at sign-in")
	}
	if app.sessionExists(first) {
		t.Errorf("old session token still valid on the server after renewal")
	}
}

func TestLogout_KillsSessionOnServer(t *testing.T) {
	app := newApp(t)
	app.account("d@example.com", store.RoleReseller, pw)
	b := app.browser()
	b.mustLogin("d@example.com", pw, "/reseller")
	token := b.sessionToken()
	r := b.post("/logout", nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("logout: status %d location %q, want 303 /login", r.StatusCode, r.Header.Get("Location"))
	}
	if app.sessionExists(token) {
		t.Fatalf("session row survives sign-out")
	}
	// Replaying the old cookie gets nowhere.
	replay := app.browser()
	u, _ := url.Parse(app.srv.URL)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "portal_session", Value: token, Path: "/"}})
	if r := replay.get("/reseller"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("old cookie after sign-out: status %d location %q, want redirect to /login", r.StatusCode, r.Header.Get("Location"))
	}
	if n := app.auditCount("signout", store.OutcomeSuccess); n != 1 {
		t.Errorf("signout audit rows = %d, want 1", n)
	}
}

func TestCrossSitePostRejected(t *testing.T) {
	app := newApp(t)
	app.account("e@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("e@example.com", pw, "/client")

	evil := app.browser()
	evil.hdrs["Sec-Fetch-Site"] = "cross-site"
	if r := evil.login("e@example.com", pw); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /login: status %d, want 403", r.StatusCode)
	}
	b.hdrs["Origin"] = "https://evil.example"
	r := b.post("/account/password", url.Values{"new_password": {"a brand new password"}, "confirm_password": {"a brand new password"}})
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin password change: status %d, want 403", r.StatusCode)
	}
	delete(b.hdrs, "Origin")
	b.mustLogin("e@example.com", pw, "/client") // password unchanged
	b.hdrs["Sec-Fetch-Site"] = "same-origin"
	if r := b.get("/client"); r.StatusCode != http.StatusOK {
		t.Errorf("same-origin GET: status %d, want 200", r.StatusCode)
	}
}

func TestRoleAreasAreIsolated(t *testing.T) {
	app := newApp(t)
	users := map[store.Role]*browser{}
	for _, role := range []store.Role{store.RoleAdmin, store.RoleReseller, store.RoleClient} {
		email := "iso-" + string(role) + "@example.com"
		app.account(email, role, pw)
		users[role] = app.browser()
		users[role].mustLogin(email, pw, "/"+string(role))
	}
	areas := map[store.Role][]string{
		store.RoleAdmin:    {"/admin", "/admin/audit"},
		store.RoleReseller: {"/reseller"},
		store.RoleClient:   {"/client"},
	}
	for who, b := range users {
		for area, paths := range areas {
			for _, p := range paths {
				r := b.get(p)
				want := http.StatusNotFound
				if area == who {
					want = http.StatusOK
				}
				if r.StatusCode != want {
					t.Errorf("%s GET %s: status %d, want %d", who, p, r.StatusCode, want)
				}
			}
		}
	}
	if r := app.browser().get("/admin/audit"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Errorf("anonymous GET /admin/audit: status %d, want redirect to /login", r.StatusCode)
	}
}

func TestPasswordChange(t *testing.T) {
	app := newApp(t)
	app.account("f@example.com", store.RoleClient, pw)
	b, other := app.browser(), app.browser()
	b.mustLogin("f@example.com", pw, "/client")
	other.mustLogin("f@example.com", pw, "/client")

	const newPW = "an entirely new secret"
	r := b.post("/account/password", url.Values{"new_password": {"short"}, "confirm_password": {"short"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `data-testid="error-new_password"`) {
		t.Fatalf("short new password: status %d, want 422 with an inline error", r.StatusCode)
	}
	r = b.post("/account/password", url.Values{"new_password": {newPW}, "confirm_password": {newPW}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: status %d, want 303; body %.300s", r.StatusCode, r.body)
	}
	if r := b.get("/client"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, "password has been changed") {
		t.Errorf("the changing session should continue with a flash message: status %d", r.StatusCode)
	}
	if r := other.get("/client"); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another session after the password change: status %d, want redirect to /login", r.StatusCode)
	}
	if r := app.browser().login("f@example.com", pw); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old password still works: status %d", r.StatusCode)
	}
	app.browser().mustLogin("f@example.com", newPW, "/client")
	if n := app.auditCount("password.change", store.OutcomeSuccess); n != 1 {
		t.Errorf("password.change success rows = %d, want 1", n)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	app := newApp(t)
	app.account("g@example.com", store.RoleClient, pw)
	app.browser().mustLogin("g@example.com", pw, "/client")
	ctx := context.Background()
	if _, err := app.pool.Exec(ctx, `UPDATE audit_log SET outcome = 'failure'`); err == nil {
		t.Error("UPDATE on audit_log succeeded")
	}
	if _, err := app.pool.Exec(ctx, `DELETE FROM audit_log`); err == nil {
		t.Error("DELETE on audit_log succeeded")
	}
}

func TestAuditPage_FiltersAndIsAdminOnly(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	app.account("h@example.com", store.RoleClient, pw)
	app.browser().login("h@example.com", "wrong password")
	app.browser().mustLogin("h@example.com", pw, "/client")
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")

	r := admin.get("/admin/audit?action=signin.success&account=h%40example")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("audit page: status %d", r.StatusCode)
	}
	if n := strings.Count(r.body, `data-testid="audit-row"`); n != 1 {
		t.Errorf("filtered audit rows = %d, want 1", n)
	}
	r = admin.get("/admin/audit?account=h%40example")
	if n := strings.Count(r.body, `data-testid="audit-row"`); n != 1 {
		t.Errorf("audit rows for h@ = %d, want 1 (the failed attempt is only counted)", n)
	}
	if r := admin.get("/admin/audit?outcome=bogus"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad outcome filter: status %d, want 400", r.StatusCode)
	}
	if r := admin.get("/admin/audit?before=abc"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("bad page: status %d, want 400", r.StatusCode)
	}
}

// TestSession_PageViewsDontWrite: with an idle timeout scs would write the session back on every request; an
// unchanged session is written at most once a minute, so page views are no database writes, while a change to
// the session (a flash message) is written at once.
func TestSession_PageViewsDontWrite(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	expiry := func() time.Time {
		var e time.Time
		if err := app.pool.QueryRow(context.Background(), `SELECT max(expiry) FROM sessions`).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	before := expiry()
	for range 3 {
		if resp := b.get("/sites"); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /sites: %d", resp.StatusCode)
		}
	}
	if after := expiry(); !after.Equal(before) {
		t.Errorf("page views rewrote the session (expiry %v → %v)", before, after)
	}
	// A change to the session is written at once: signing out removes it.
	token := b.sessionToken()
	if resp := b.post("/logout", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if app.sessionExists(token) {
		t.Errorf("the signed-out session is still stored")
	}
}
