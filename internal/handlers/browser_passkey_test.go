package handlers

import (
	"strings"
	"testing"
	"time"

	"portal/internal/browsertest"
	"portal/internal/store"
)

// TestBrowser_PasskeyRegisterAndSignIn adds a passkey in headless Chromium with a virtual authenticator (the
// vendored passkey.js runs the ceremony), signs in with it as the second factor, and is refused once the stored
// signature counter is ahead of the authenticator's (as after cloning it).
func TestBrowser_PasskeyRegisterAndSignIn(t *testing.T) {
	app := newApp(t, withLocalhost)
	acct := app.account("passkey@example.com", store.RoleReseller, pw)
	base := app.h.opts.BaseURL // http://localhost:port: WebAuthn refuses IP addresses
	b := browsertest.New(t)
	authenticator := b.AddPasskeyAuthenticator()
	const submit = `[data-testid="login-form"] button[type="submit"]`
	signIn := func(then browsertest.Cond) {
		b.Go(base+"/login", browsertest.Visible(`[data-testid="login-form"]`))
		b.Fill(`#f-email`, "passkey@example.com")
		b.Fill(`#f-password`, pw)
		b.Click(submit, then)
	}

	b.Step("sign in with the password alone", func() {
		signIn(browsertest.Visible(`[data-testid="dashboard-reseller"]`))
	})
	b.Step("add a passkey called Laptop", func() {
		b.Go(base+"/account/2fa", browsertest.Visible(`[data-testid="passkeys-none"]`))
		b.Fill(`#f-name`, "Laptop")
		b.Click(`[data-testid="passkey-new-form"] button[type="submit"]`, browsertest.Visible(`[data-testid="passkey-create"]`))
		b.Click(`[data-testid="passkey-create"]`, browsertest.Visible(`[data-testid="passkey"]`))
	})
	if got := b.Text(`[data-testid="passkey"] strong`); got != "Laptop" {
		t.Fatalf("listed passkey %q, want Laptop", got)
	}
	if n := len(authenticator.Credentials()); n != 1 {
		t.Fatalf("the authenticator holds %d credentials, want 1", n)
	}
	b.Step("sign out", func() {
		b.Click(`.who button`, browsertest.Visible(`[data-testid="login-form"]`))
	})
	b.Step("the password leads to the passkey step", func() {
		signIn(browsertest.Visible(`[data-testid="passkey-signin"]`))
		b.WaitFor(browsertest.Gone(`[data-testid="second-factor-form"]`)) // no authenticator app: no code field
	})
	b.Step("sign in with the passkey", func() {
		b.Click(`[data-testid="passkey-signin"]`, browsertest.Visible(`[data-testid="dashboard-reseller"]`))
	})
	var count int64
	var used bool
	if err := app.pool.QueryRow(t.Context(), `SELECT sign_count, last_used_at IS NOT NULL FROM passkeys WHERE account_id = $1`, acct.ID).Scan(&count, &used); err != nil || count == 0 || !used {
		t.Fatalf("after the passkey sign-in: sign_count %d, used %t (%v); want a counter and a last use", count, used, err)
	}

	// Re-authenticating later asks for the password and the passkey.
	app.now = time.Now().Add(6 * time.Minute)
	b.Step("a password change 6 minutes later needs the password and the passkey again", func() {
		b.Go(base+"/account/password", browsertest.Visible(`[data-testid="reauth-passkey"]`))
		b.Fill(`#f-current_password`, pw)
		b.Click(`[data-testid="reauth-passkey"]`, browsertest.Visible(`[data-testid="password-form"]`))
	})
	app.now = time.Time{}

	// A counter that does not grow means a cloned authenticator: the passkey is refused.
	if _, err := app.pool.Exec(t.Context(), `UPDATE passkeys SET sign_count = 1000000 WHERE account_id = $1`, acct.ID); err != nil {
		t.Fatal(err)
	}
	b.Step("sign out again", func() {
		b.Click(`.who button`, browsertest.Visible(`[data-testid="login-form"]`))
	})
	b.Step("a passkey whose counter went back is refused", func() {
		signIn(browsertest.Visible(`[data-testid="passkey-signin"]`))
		b.Click(`[data-testid="passkey-signin"]`, browsertest.Visible(`[data-testid="login-error"]`))
	})
	if msg := b.Text(`[data-testid="login-error"]`); !strings.Contains(msg, "passkey did not work") {
		t.Fatalf("refusal message %q", msg)
	}
	if n := app.auditCount("passkey.signin", store.OutcomeDenied); n != 1 {
		t.Fatalf("passkey.signin denied rows = %d, want 1", n)
	}
	if n := app.auditCount("signin.success", ""); n != 2 {
		t.Fatalf("signin.success rows = %d, want 2 (password alone, then password and passkey)", n)
	}
}
