package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portal/internal/store"
)

var (
	secretRE   = regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`)
	recoveryRE = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// enableTOTP turns TOTP on for the signed-in browser and returns the secret and the recovery codes.
func enableTOTP(t *testing.T, b *browser) (string, []string) {
	t.Helper()
	r := b.post("/account/2fa/setup", nil)
	m := secretRE.FindStringSubmatch(r.body)
	if r.StatusCode != http.StatusOK || m == nil || !strings.Contains(r.body, `src="data:image/png;base64,`) {
		t.Fatalf("setup: status %d, no secret or QR code: %.400s", r.StatusCode, r.body)
	}
	secret := m[1]
	// Sessions live in Postgres: the one setting the secret up keeps it sealed.
	var clear int
	if err := b.app.pool.QueryRow(t.Context(), `SELECT count(*) FROM sessions WHERE position(convert_to($1, 'UTF8') in data) > 0`, secret).Scan(&clear); err != nil || clear != 0 {
		t.Fatalf("%d sessions hold the TOTP secret being set up in the clear (%v)", clear, err)
	}
	if r := b.post("/account/2fa/enable", url.Values{"code": {"000000"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("enable with a wrong code: status %d", r.StatusCode)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	r = b.post("/account/2fa/enable", url.Values{"code": {code}})
	codes := recoveryRE.FindAllStringSubmatch(r.body, -1)
	if r.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("enable: status %d, %d recovery codes, want 10", r.StatusCode, len(codes))
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return secret, out
}

func TestTOTP_SignInNeedsSecondFactor(t *testing.T) {
	app := newApp(t)
	app.account("two@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("two@example.com", pw, "/client")
	secret, codes := enableTOTP(t, b)
	var stored int
	if err := app.pool.QueryRow(t.Context(), `SELECT count(*) FROM recovery_codes WHERE code_hash = ANY($1)`, codes).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("recovery codes stored in the clear (%d, %v)", stored, err)
	}

	// The password alone signs nobody in.
	c := app.browser()
	if r := c.login("two@example.com", pw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login/2fa" {
		t.Fatalf("password of a TOTP account: status %d to %q, want 303 to /login/2fa", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.get("/client"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("dashboard before the second factor: status %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := c.post("/login/2fa", url.Values{"code": {"123456"}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong code: status %d", r.StatusCode)
	}
	// A code is accepted once: the one used to enable TOTP (same 30 s step) is refused, so wait for a fresh step
	// by using the next one (accepted with one step of skew).
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if r := c.post("/login/2fa", url.Values{"code": {next}}); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/client" {
		t.Fatalf("right code: status %d to %q; %.300s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	// Replaying it in another session fails.
	d := app.browser()
	d.login("two@example.com", pw)
	if r := d.post("/login/2fa", url.Values{"code": {next}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("replayed code: status %d, want 401", r.StatusCode)
	}
	// A recovery code works once.
	if r := d.post("/login/2fa", url.Values{"code": {strings.ToUpper(codes[0])}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("recovery code: status %d", r.StatusCode)
	}
	e := app.browser()
	e.login("two@example.com", pw)
	if r := e.post("/login/2fa", url.Values{"code": {codes[0]}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("used recovery code again: status %d, want 401", r.StatusCode)
	}
	if n := app.auditCount("signin.success", ""); n != 3 {
		t.Errorf("signin.success rows = %d, want 3", n)
	}
}

func TestTOTP_WrongCodesLockTheSecondStep(t *testing.T) {
	app := newApp(t)
	app.account("lock2@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("lock2@example.com", pw, "/client")
	secret, _ := enableTOTP(t, b)
	c := app.browser()
	c.login("lock2@example.com", pw)
	for i := 0; i < 5; i++ {
		c.post("/login/2fa", url.Values{"code": {fmt.Sprintf("%06d", i)}})
	}
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if r := c.post("/login/2fa", url.Values{"code": {code}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("right code after 5 wrong ones: status %d, want 401 (locked)", r.StatusCode)
	}
}

func TestTOTP_NotChangeableWhileImpersonating(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleClient, nil, "imp@example.com")
	a := app.browser()
	a.mustLogin("admin@example.com", pw, "/admin")
	if r := a.post(fmt.Sprintf("/customers/%d/impersonate", c.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("impersonate: %d", r.StatusCode)
	}
	for _, p := range []string{"/account/2fa/setup", "/account/2fa/disable", "/account/2fa/recovery", "/account/passkeys/new", "/account/passkeys/delete"} {
		if r := a.post(p, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("%s while impersonating: status %d, want 403", p, r.StatusCode)
		}
	}
}

// Deleting a customer or changing its sign-in email needs a proof of identity from the last 5 minutes.
func TestReauth_DeleteAndEmailChangeNeedRecentConfirmation(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleReseller, nil, "victim@example.com")
	a := app.browser()
	a.mustLogin("admin@example.com", pw, "/admin")
	app.now = time.Now().Add(6 * time.Minute)
	defer func() { app.now = time.Time{} }()

	del := fmt.Sprintf("/customers/%d/delete", c.ID)
	if r := a.post(del, url.Values{"confirm": {"yes"}}); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, `data-testid="reauth-needed"`) {
		t.Fatalf("delete 6 minutes after sign-in: status %d, want 403 asking to confirm", r.StatusCode)
	}
	edit := fmt.Sprintf("/customers/%d/edit", c.ID)
	if r := a.post(edit, url.Values{"name": {"V"}, "company": {""}, "email": {"new@example.com"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("email change 6 minutes after sign-in: status %d, want 403", r.StatusCode)
	}
	// Other contact changes don't need it.
	if r := a.post(edit, url.Values{"name": {"V"}, "company": {"X"}, "email": {"victim@example.com"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("name change: status %d", r.StatusCode)
	}
	if r := a.post("/account/confirm", url.Values{"next": {del}, "current_password": {"wrong password"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("confirm with a wrong password: status %d", r.StatusCode)
	}
	if r := a.post("/account/confirm", url.Values{"next": {"//evil.example/x"}, "current_password": {pw}}); r.Header.Get("Location") != "/admin" {
		t.Fatalf("confirm with an off-site next: redirect to %q, want /admin", r.Header.Get("Location"))
	}
	if r := a.post(del, url.Values{"confirm": {"yes"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete right after confirming: status %d", r.StatusCode)
	}
}

// With PORTAL_REQUIRE_2FA the operator makes a role set up a second factor before anything else.
func TestTOTP_RequiredByOperator(t *testing.T) {
	app := newApp(t, func(o *Options) { o.RequireTOTP = []store.Role{store.RoleAdmin} })
	app.account("admin@example.com", store.RoleAdmin, pw)
	app.account("client@example.com", store.RoleClient, pw)
	a := app.browser()
	a.mustLogin("admin@example.com", pw, "/admin")
	if r := a.get("/admin/resellers"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/2fa" {
		t.Fatalf("admin without TOTP: status %d to %q, want 303 to /account/2fa", r.StatusCode, r.Header.Get("Location"))
	}
	if r := a.post("/admin/plans", url.Values{"name": {"P"}}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("admin without TOTP posting: status %d, want 403", r.StatusCode)
	}
	enableTOTP(t, a)
	if r := a.get("/admin/resellers"); r.StatusCode != http.StatusOK {
		t.Fatalf("admin with TOTP: status %d", r.StatusCode)
	}
	c := app.browser()
	c.mustLogin("client@example.com", pw, "/client")
	if r := c.get("/client"); r.StatusCode != http.StatusOK {
		t.Fatalf("a role not required: status %d", r.StatusCode)
	}
}
