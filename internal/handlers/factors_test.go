package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portal/internal/store"
)

// Password and second-factor changes need a proof of identity from the last 5 minutes, like deleting a customer:
// outside the window each one shows the confirmation page, and confirming leads back to where the change starts.
func TestReauth_PasswordAndFactorChangesNeedRecentConfirmation(t *testing.T) {
	app := newApp(t)
	acct := app.account("window@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("window@example.com", pw, "/client")
	secret, _ := enableTOTP(t, b) // within the window: works
	pk := insertPasskey(t, app, acct.ID, "Old phone")

	app.now = time.Now().Add(6 * time.Minute)
	defer func() { app.now = time.Time{} }()
	changes := []struct {
		path string
		form url.Values
		back string
	}{
		{"/account/password", url.Values{"new_password": {"a much newer password"}, "confirm_password": {"a much newer password"}}, "/account/password"},
		{"/account/2fa/setup", nil, "/account/2fa"},
		{"/account/2fa/disable", nil, "/account/2fa"},
		{"/account/2fa/recovery", nil, "/account/2fa"},
		{"/account/passkeys/new", url.Values{"name": {"Laptop"}}, "/account/2fa"},
		{"/account/passkeys", url.Values{"name": {"Laptop"}, "credential": {"{}"}}, "/account/2fa"},
		{"/account/passkeys/delete", url.Values{"id": {fmt.Sprint(pk)}}, "/account/2fa"},
	}
	for _, c := range changes {
		r := b.post(c.path, c.form)
		if r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, `data-testid="reauth-needed"`) ||
			!strings.Contains(r.body, `name="next" value="`+c.back+`"`) {
			t.Errorf("POST %s 6 minutes after sign-in: status %d, want 403 asking to confirm and come back to %s", c.path, r.StatusCode, c.back)
		}
	}
	if r := b.get("/account/password"); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, `data-testid="reauth-needed"`) {
		t.Errorf("GET /account/password 6 minutes after sign-in: status %d, want 403 asking to confirm", r.StatusCode)
	}
	if n := countRows(t, app, `SELECT count(*) FROM passkeys`); n != 1 {
		t.Fatalf("passkeys after refused changes: %d, want 1", n)
	}
	if r := b.post("/account/password", changes[0].form); r.StatusCode != http.StatusForbidden {
		t.Fatalf("password change still refused: status %d", r.StatusCode)
	}
	app.browser().mustLogin("window@example.com", pw, "/login/2fa") // the password is unchanged

	// Confirming (password and current code) leads back; the change then works.
	code, _ := totp.GenerateCode(secret, app.now.Add(30*time.Second))
	r := b.post("/account/confirm", url.Values{"next": {"/account/password"}, "current_password": {pw}, "code": {code}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/password" {
		t.Fatalf("confirm: status %d to %q, want 303 back to /account/password", r.StatusCode, r.Header.Get("Location"))
	}
	if r := b.get("/account/password"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="password-form"`) {
		t.Fatalf("password form after confirming: status %d", r.StatusCode)
	}
	if r := b.post("/account/password", changes[0].form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change after confirming: status %d, %.300s", r.StatusCode, r.body)
	}
	if r := b.post("/account/passkeys/delete", url.Values{"id": {fmt.Sprint(pk)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("passkey removal after confirming: status %d", r.StatusCode)
	}
	if r := b.post("/account/2fa/disable", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("turning TOTP off after confirming: status %d", r.StatusCode)
	}
	if n := app.auditCount("passkey.remove", store.OutcomeSuccess); n != 1 {
		t.Errorf("passkey.remove rows = %d, want 1", n)
	}
	if n := app.auditCount("password.change", store.OutcomeDenied); n < 1 {
		t.Errorf("password.change denied rows = %d, want at least 1", n)
	}
}

// insertPasskey stores a passkey row for account (no real key: enough for listing and removing).
func insertPasskey(t *testing.T, app *testApp, accountID int64, name string) int64 {
	t.Helper()
	k, err := store.NewPasskeys(app.pool).Add(t.Context(), store.Passkey{AccountID: accountID,
		CredentialID: []byte(fmt.Sprintf("cred-%d-%s", accountID, name)), PublicKey: []byte("pk"), Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

// A TOTP secret is stored sealed: the account's row never holds the base32 secret (nor its bytes).
func TestTOTP_SecretSealedAtRest(t *testing.T) {
	app := newApp(t)
	acct := app.account("sealed@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("sealed@example.com", pw, "/client")
	secret, _ := enableTOTP(t, b)
	var row string
	var plain string
	var sealed []byte
	if err := app.pool.QueryRow(t.Context(), `SELECT a::text, totp_secret, totp_secret_enc FROM accounts a WHERE id = $1`, acct.ID).Scan(&row, &plain, &sealed); err != nil {
		t.Fatal(err)
	}
	if plain != "" || len(sealed) == 0 || strings.Contains(strings.ToUpper(row), secret) || bytes.Contains(sealed, []byte(secret)) {
		t.Fatalf("stored TOTP: plain %q, sealed %d bytes; the row contains the secret: %t", plain, len(sealed), strings.Contains(strings.ToUpper(row), secret))
	}
	// The sealed secret is bound to its account: copied to another account's row it does not open.
	other := app.account("copy@example.com", store.RoleClient, pw)
	if _, err := app.pool.Exec(t.Context(), `UPDATE accounts SET totp_secret_enc = $2 WHERE id = $1`, other.ID, sealed); err != nil {
		t.Fatal(err)
	}
	c := app.browser()
	c.mustLogin("copy@example.com", pw, "/login/2fa")
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if r := c.post("/login/2fa", url.Values{"code": {code}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a sealed secret copied to another account: status %d, want 401 (it does not open there)", r.StatusCode)
	}
	// The owner still signs in with it.
	d := app.browser()
	d.mustLogin("sealed@example.com", pw, "/login/2fa")
	if r := d.post("/login/2fa", url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with the sealed secret: status %d", r.StatusCode)
	}
}

// Secrets stored in the clear before sealing keep working, and are sealed on their next use or at start.
func TestTOTP_LegacyPlainSecret(t *testing.T) {
	app := newApp(t)
	const legacy, legacy2 = "JBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLU"
	a := app.account("legacy@example.com", store.RoleClient, pw)
	a2 := app.account("legacy2@example.com", store.RoleClient, pw)
	for id, s := range map[int64]string{a.ID: legacy, a2.ID: legacy2} {
		if _, err := app.pool.Exec(t.Context(), `UPDATE accounts SET totp_secret = $2 WHERE id = $1`, id, s); err != nil {
			t.Fatal(err)
		}
	}
	stored := func(id int64) (string, int) {
		var plain string
		var n int
		if err := app.pool.QueryRow(t.Context(), `SELECT totp_secret, coalesce(length(totp_secret_enc), 0) FROM accounts WHERE id = $1`, id).Scan(&plain, &n); err != nil {
			t.Fatal(err)
		}
		return plain, n
	}
	b := app.browser()
	b.mustLogin("legacy@example.com", pw, "/login/2fa")
	code, _ := totp.GenerateCode(legacy, time.Now())
	if r := b.post("/login/2fa", url.Values{"code": {code}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with a legacy plain secret: status %d", r.StatusCode)
	}
	if plain, n := stored(a.ID); plain != "" || n == 0 {
		t.Fatalf("after its use the legacy secret is stored as %q with %d sealed bytes; want it sealed", plain, n)
	}
	c := app.browser()
	c.mustLogin("legacy@example.com", pw, "/login/2fa")
	next, _ := totp.GenerateCode(legacy, time.Now().Add(30*time.Second))
	if r := c.post("/login/2fa", url.Values{"code": {next}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in after re-sealing: status %d", r.StatusCode)
	}

	// The start-up step seals the rest.
	n, err := app.factors.SealPlainTOTP(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("SealPlainTOTP: %d sealed (%v), want 1", n, err)
	}
	if plain, n := stored(a2.ID); plain != "" || n == 0 {
		t.Fatalf("after the start-up step legacy2 is stored as %q with %d sealed bytes", plain, n)
	}
	if n, err := app.factors.SealPlainTOTP(t.Context()); err != nil || n != 0 {
		t.Fatalf("SealPlainTOTP again: %d (%v), want 0", n, err)
	}
	d := app.browser()
	d.mustLogin("legacy2@example.com", pw, "/login/2fa")
	code2, _ := totp.GenerateCode(legacy2, time.Now())
	if r := d.post("/login/2fa", url.Values{"code": {code2}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in with a secret sealed at start: status %d", r.StatusCode)
	}
}

// Recovery codes can be replaced: the old ones stop working.
func TestTOTP_RegenerateRecoveryCodes(t *testing.T) {
	app := newApp(t)
	app.account("codes@example.com", store.RoleClient, pw)
	b := app.browser()
	b.mustLogin("codes@example.com", pw, "/client")
	_, old := enableTOTP(t, b)
	r := b.post("/account/2fa/recovery", nil)
	fresh := recoveryRE.FindAllStringSubmatch(r.body, -1)
	if r.StatusCode != http.StatusOK || len(fresh) != 10 {
		t.Fatalf("new recovery codes: status %d, %d codes", r.StatusCode, len(fresh))
	}
	c := app.browser()
	c.mustLogin("codes@example.com", pw, "/login/2fa")
	if r := c.post("/login/2fa", url.Values{"code": {old[0]}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("an old recovery code: status %d, want 401", r.StatusCode)
	}
	if r := c.post("/login/2fa", url.Values{"code": {fresh[0][1]}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a new recovery code: status %d, want 303", r.StatusCode)
	}
}

// Passkeys: a name is required, and an account removes only its own.
func TestPasskeys_NameAndOwnership(t *testing.T) {
	app := newApp(t, withLocalhost)
	a := app.account("pa@example.com", store.RoleClient, pw)
	o := app.account("po@example.com", store.RoleClient, pw)
	theirs := insertPasskey(t, app, o.ID, "Theirs")
	mine := insertPasskey(t, app, a.ID, "Mine")
	b := app.browser()
	b.mustLogin("pa@example.com", pw, "/login/2fa") // a passkey is a second factor
	if _, err := app.pool.Exec(t.Context(), `DELETE FROM passkeys WHERE id = $1`, mine); err != nil {
		t.Fatal(err)
	}
	b.mustLogin("pa@example.com", pw, "/client")
	if r := b.post("/account/passkeys/new", url.Values{"name": {" "}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `data-testid="error-name"`) {
		t.Fatalf("a passkey without a name: status %d, want 422 at the name", r.StatusCode)
	}
	if r := b.post("/account/passkeys/new", url.Values{"name": {"Bad\u200bname"}}); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a passkey name with an invisible character: status %d, want 422", r.StatusCode)
	}
	r := b.post("/account/passkeys/new", url.Values{"name": {"Laptop"}})
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="passkey-create"`) || !strings.Contains(r.body, "challenge") {
		t.Fatalf("starting a passkey: status %d, no ceremony options", r.StatusCode)
	}
	if r := b.post("/account/passkeys", url.Values{"name": {"Laptop"}, "credential": {`{"id":"forged"}`}}); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, `data-testid="error-credential"`) {
		t.Fatalf("a forged credential: status %d, want 422", r.StatusCode)
	}
	if r := b.post("/account/passkeys/delete", url.Values{"id": {fmt.Sprint(theirs)}}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("removing another account's passkey: status %d, want 404", r.StatusCode)
	}
	if n := countRows(t, app, `SELECT count(*) FROM passkeys`); n != 1 {
		t.Fatalf("passkeys left: %d, want 1 (theirs)", n)
	}
}

// An admin resets another account's second factors: after a recent confirmation, audited with both accounts,
// and the account hears about it by mail. Resellers (even for their own clients) and clients can't.
func TestResetSecondFactors(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	c := app.customer(store.RoleClient, &r1, "lost@example.com")
	victim := app.browser()
	victim.mustLogin("lost@example.com", pw, "/client")
	enableTOTP(t, victim)
	acct, err := store.NewAccounts(app.pool).ByCustomer(t.Context(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	insertPasskey(t, app, acct.ID, "Lost phone")
	reset := fmt.Sprintf("/customers/%d/second-factors/reset", c.ID)
	factorsLeft := func() int {
		return countRows(t, app, fmt.Sprintf(`SELECT (SELECT count(*) FROM passkeys WHERE account_id = %d) + (SELECT count(*) FROM recovery_codes WHERE account_id = %d)
			+ (SELECT count(*) FROM accounts WHERE id = %d AND (totp_secret <> '' OR totp_secret_enc IS NOT NULL))`, acct.ID, acct.ID, acct.ID))
	}
	before := factorsLeft()

	// The client's own reseller, the client itself, and an admin acting as the reseller can't.
	rb := app.browser()
	rb.mustLogin("r1@example.com", pw, "/reseller")
	if r := rb.get(fmt.Sprintf("/customers/%d", c.ID)); r.StatusCode != http.StatusOK || strings.Contains(r.body, `data-testid="reset-factors"`) {
		t.Fatalf("the reseller's view of its client: status %d, reset button shown: %t", r.StatusCode, strings.Contains(r.body, `data-testid="reset-factors"`))
	}
	if r := rb.post(reset, nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the client's reseller resetting: status %d, want 404", r.StatusCode)
	}
	if r := victim.post(reset, nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("the client resetting itself: status %d, want 404", r.StatusCode)
	}
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	if r := admin.post(fmt.Sprintf("/customers/%d/impersonate", r1.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("impersonate: %d", r.StatusCode)
	}
	if r := admin.post(reset, nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("an admin acting as the reseller resetting: status %d, want 404", r.StatusCode)
	}
	if r := admin.post("/impersonate/stop", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("stop impersonating: %d", r.StatusCode)
	}
	if after := factorsLeft(); after != before {
		t.Fatalf("refused resets changed factors: %d left, want %d", after, before)
	}

	// The admin, outside the 5-minute window, confirms first.
	if r := admin.get(fmt.Sprintf("/customers/%d", c.ID)); !strings.Contains(r.body, `data-testid="reset-factors"`) {
		t.Fatalf("the admin's customer page has no reset button")
	}
	app.now = time.Now().Add(6 * time.Minute)
	defer func() { app.now = time.Time{} }()
	if r := admin.post(reset, nil); r.StatusCode != http.StatusForbidden || !strings.Contains(r.body, `data-testid="reauth-needed"`) {
		t.Fatalf("reset 6 minutes after sign-in: status %d, want 403 asking to confirm", r.StatusCode)
	}
	if r := admin.post("/account/confirm", url.Values{"next": {fmt.Sprintf("/customers/%d", c.ID)}, "current_password": {pw}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: status %d", r.StatusCode)
	}
	if r := admin.post(reset, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset after confirming: status %d, %.300s", r.StatusCode, r.body)
	}
	if left := factorsLeft(); left != 0 {
		t.Fatalf("factors left after the reset: %d, want 0", left)
	}
	var acting, detail string
	if err := app.pool.QueryRow(t.Context(), `SELECT acting_email, detail FROM audit_log WHERE action = 'second_factors.reset' AND outcome = 'success' AND object_id = $1`,
		fmt.Sprint(acct.ID)).Scan(&acting, &detail); err != nil || acting != "admin@example.com" || !strings.Contains(detail, "lost@example.com") {
		t.Fatalf("audit: acting %q detail %q (%v)", acting, detail, err)
	}
	if n := countRows(t, app, `SELECT count(*) FROM outbox WHERE kind = 'second_factors_reset' AND to_addr = 'lost@example.com'`); n != 1 {
		t.Fatalf("reset mails to the account: %d, want 1", n)
	}
	// The account signs in with its password alone again.
	app.browser().mustLogin("lost@example.com", pw, "/client")
}

// An account whose only second factor is a passkey, at an address where passkeys can't work (an IP address), is
// told what to do instead of getting a step it can't complete.
func TestPasskeys_UnusableAddressSaysSo(t *testing.T) {
	app := newApp(t) // http://127.0.0.1:port
	a := app.account("ip@example.com", store.RoleClient, pw)
	insertPasskey(t, app, a.ID, "Phone")
	b := app.browser()
	b.mustLogin("ip@example.com", pw, "/login/2fa")
	r := b.get("/login/2fa")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="no-usable-factor"`) || strings.Contains(r.body, `data-testid="passkey-signin"`) {
		t.Fatalf("second step with passkeys unavailable: status %d, no explanation", r.StatusCode)
	}
	if r := b.get("/client"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("dashboard before the second factor: status %d, want a redirect to sign in", r.StatusCode)
	}
}
