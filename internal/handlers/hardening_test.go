package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// Before: every concurrent attempt read the failure count before any of them recorded a failure, so 30 parallel
// guesses were all compared although the account locks after 5. Now each attempt is charged first, in one
// statement, and exactly 5 are compared.
func TestLogin_ConcurrentGuessesCannotOutrunTheLock(t *testing.T) {
	app := newApp(t, func(o *Options) { o.HashWait = time.Minute })
	acct := app.account("race@example.com", store.RoleClient, pw)
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app.browser().login(acct.Email, fmt.Sprintf("wrong guess %d", i))
		}()
	}
	wg.Wait()
	if n := app.attemptCount("signin.failed"); n != 5 {
		t.Errorf("passwords compared and found wrong = %d, want exactly 5 (the limit)", n)
	}
	if n := app.attemptCount("signin.locked"); n != 25 {
		t.Errorf("attempts refused without comparing = %d, want 25", n)
	}
	if n := app.auditCount("signin.lockout", ""); n != 1 {
		t.Errorf("lockout audit rows = %d, want 1", n)
	}
	if r := app.browser().login(acct.Email, pw); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("right password during the lock: status %d, want 401", r.StatusCode)
	}
}

// Before: nothing bounded concurrent argon2id hashes (64 MiB each in production), so a burst could exhaust memory.
func TestLogin_HashSlotsBoundedThen503(t *testing.T) {
	app := newApp(t, func(o *Options) { o.HashConcurrency = 1; o.HashWait = 50 * time.Millisecond })
	app.account("busy@example.com", store.RoleClient, pw)
	release, err := app.h.hasher.Slot(context.Background()) // another request is hashing
	if err != nil {
		t.Fatal(err)
	}
	r := app.browser().login("busy@example.com", pw)
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("sign-in with every hash slot taken: status %d, Retry-After %q; want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	release()
	app.browser().mustLogin("busy@example.com", pw, "/client")
}

// Before: when X-Forwarded-For yielded nothing, the client IP fell back to RemoteAddr with its port, so every new
// connection was a new client for the rate limits.
func TestClientIP_FallbackHasNoPort(t *testing.T) {
	var got string
	h := middleware.ClientIPFromXFF("10.0.0.0/8")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = clientIP(r) }))
	for remote, want := range map[string]string{
		"192.0.2.7:41234":           "192.0.2.7",
		"[2001:db8::5]:443":         "2001:db8::5",
		"[::ffff:192.0.2.9]:1":      "192.0.2.9",
		"10.1.2.3:5555":             "10.1.2.3", // a trusted proxy that sent no X-Forwarded-For
		"[fe80::1%eth0]:8080":       "fe80::1",
		"not-an-address-at-all":     "not-an-address-at-all",
		"[2001:db8:1:2:3:4:5:6]:99": "2001:db8:1:2:3:4:5:6",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != want {
			t.Errorf("RemoteAddr %q: client IP %q, want %q", remote, got, want)
		}
	}
	if k1, k2 := ipKey("2001:db8:0:0:1::1"), ipKey("2001:db8::ffff:2"); k1 != k2 {
		t.Errorf("one IPv6 /64, two keys: %q %q", k1, k2)
	}
	if k1, k2 := ipKey("2001:db8:0:1::1"), ipKey("2001:db8::1"); k1 == k2 {
		t.Errorf("two IPv6 /64s share key %q", k1)
	}
	if k := ipKey("::ffff:192.0.2.1"); k != "ip:192.0.2.1" {
		t.Errorf("IPv4-mapped key %q", k)
	}
}

func TestSecurityHeaders_HSTSWithSecureCookies(t *testing.T) {
	on := newApp(t, func(o *Options) { o.HSTS = true })
	for _, p := range []string{"/login", "/healthz", "/nope"} {
		if h := on.browser().get(p).Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=63072000") {
			t.Errorf("%s: Strict-Transport-Security %q", p, h)
		}
	}
	off := newApp(t)
	if h := off.browser().get("/login").Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS sent on plain-http development: %q", h)
	}
}

// publicBox sets up one mailbox for the public page tests.
func publicBox(t *testing.T, opts ...appOption) (*testApp, int) {
	app := newApp(t, opts...)
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	c := app.customer(store.RoleClient, &res, "cli@example.com")
	md := app.fixtureMailDomain(c, "pub.test", true)
	box := app.fixtureMailbox(c, md, "me@pub.test")
	var ispID int
	if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM mailboxes WHERE id = $1`, box).Scan(&ispID); err != nil {
		t.Fatal(err)
	}
	return app, ispID
}

func boxForm(email, cur, newPw string) url.Values {
	return url.Values{"email": {email}, "current_password": {cur}, "new_password": {newPw}, "confirm_password": {newPw}}
}

// Before: the address was used as typed for the rate-limit key, so "ME@pub.test.", full-width letters or a soft
// hyphen each got a fresh allowance for one mailbox.
func TestMailboxPage_AddressVariantsShareOneLimit(t *testing.T) {
	app, _ := publicBox(t, func(o *Options) { o.LoginRatePerAccount = 3; o.LoginMaxFailures = 100 })
	b := app.browser()
	for _, v := range []string{"ME@pub.test.", "ｍｅ@ｐｕｂ.test", "m\u00ade@pub.test"} {
		if r := b.post("/mailbox/password", boxForm(v, "wrong", "Brand-New-Pass-1")); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%q: status %d, want 401", v, r.StatusCode)
		}
	}
	if r := b.post("/mailbox/password", boxForm(" me@PUB.TEST ", "M4ilbox!Secret", "Brand-New-Pass-1")); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th attempt on one mailbox spelled differently: status %d, want 429", r.StatusCode)
	}
	if ispapi.CanonicalAddress("ｍｅ@ｐｕｂ.ｔｅｓｔ.") != "me@pub.test" || ispapi.CanonicalAddress("m\u200be@pub.test") != "me@pub.test" {
		t.Errorf("canonical address: %q", ispapi.CanonicalAddress("ｍｅ@ｐｕｂ.ｔｅｓｔ."))
	}
}

// Before: the rate limit counted every IPv6 address on its own, and one subscriber holds a whole /64.
func TestMailboxPage_IPv6CountedPerSlash64(t *testing.T) {
	app, _ := publicBox(t, func(o *Options) {
		o.LoginRatePerIP = 2
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	from := func(ip string) *browser {
		b := app.browser()
		b.hdrs["X-Forwarded-For"] = ip
		return b
	}
	from("2001:db8:1:2::1").post("/mailbox/password", boxForm("a@pub.test", "x", "Brand-New-Pass-1"))
	from("2001:db8:1:2::2").post("/mailbox/password", boxForm("b@pub.test", "x", "Brand-New-Pass-1"))
	if r := from("2001:db8:1:2:ffff::3").post("/mailbox/password", boxForm("c@pub.test", "x", "Brand-New-Pass-1")); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third address of one /64: status %d, want 429", r.StatusCode)
	}
	if r := from("2001:db8:1:3::1").post("/mailbox/password", boxForm("d@pub.test", "x", "Brand-New-Pass-1")); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("another /64: status %d, want 401", r.StatusCode)
	}
}

// Before: a known mailbox cost an ISPConfig call (its hash was read from mail_user) and an unknown one did not, and
// nothing locked the page after repeated failures. Now every failed attempt does the same local work with zero
// ISPConfig calls, and the page locks per address while the mailbox itself keeps working.
func TestMailboxPage_SameWorkAndLockout(t *testing.T) {
	app, ispID := publicBox(t, func(o *Options) { o.LoginMaxFailures = 3; o.LoginLockout = 15 * time.Minute })
	b := app.browser()
	app.sim.ResetCalls()
	for _, email := range []string{"nobody@pub.test", "nobody@elsewhere.test", "me@pub.test"} {
		if r := b.post("/mailbox/password", boxForm(email, "wrong-password", "Brand-New-Pass-1")); r.StatusCode != http.StatusUnauthorized ||
			!strings.Contains(r.body, mailboxPasswordFailed) {
			t.Fatalf("%s: status %d, want 401 with the generic message", email, r.StatusCode)
		}
		if n := app.sim.CallCount(); n != 0 {
			t.Fatalf("%s: a failed attempt made %d ISPConfig calls, want 0", email, n)
		}
	}
	// Two more failures on me@pub.test: the third locks the page for that address.
	b.post("/mailbox/password", boxForm("me@pub.test", "wrong-2", "Brand-New-Pass-1"))
	b.post("/mailbox/password", boxForm("Me@Pub.Test.", "wrong-3", "Brand-New-Pass-1"))
	if n := app.auditCount("mailbox.password.public.lockout", ""); n != 1 {
		t.Fatalf("lockout audit rows = %d, want 1", n)
	}
	r := b.post("/mailbox/password", boxForm("me@pub.test", "M4ilbox!Secret", "Brand-New-Pass-1"))
	if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, mailboxPasswordFailed) {
		t.Fatalf("right password while locked: status %d, want 401", r.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("locked page made %d ISPConfig calls", n)
	}
	row := app.sim.Row("mail_user", ispID)
	if row["disableimap"] != "n" || row["postfix"] != "y" || !ispapi.VerifyMailPassword("M4ilbox!Secret", row["password"]) {
		t.Fatalf("the lock touched the mailbox itself: %v", row)
	}
	if n := app.attemptCount(countMailboxLocked); n != 1 {
		t.Errorf("counted locked attempts = %d, want 1", n)
	}
	// After the lock the right password works, and the portal's copy of the hash follows the change.
	app.now = time.Now().Add(16 * time.Minute)
	if r := b.post("/mailbox/password", boxForm("me@pub.test", "M4ilbox!Secret", "Brand-New-Pass-1")); r.StatusCode != http.StatusOK {
		t.Fatalf("after the lock: status %d, want 200; %.300s", r.StatusCode, r.body)
	}
	if !ispapi.VerifyMailPassword("Brand-New-Pass-1", app.sim.Row("mail_user", ispID)["password"]) {
		t.Fatal("new password not set in ISPConfig")
	}
	var hash string
	if err := app.pool.QueryRow(context.Background(), `SELECT password_hash FROM mailboxes WHERE email = 'me@pub.test'`).Scan(&hash); err != nil ||
		!ispapi.VerifyMailPassword("Brand-New-Pass-1", hash) {
		t.Fatalf("portal's hash copy not updated (%v)", err)
	}
}

// A password changed outside the portal (webmail, the panel) makes the portal's copy stale: the old password
// matches it, but ISPConfig is asked before anything changes, and refuses.
func TestMailboxPage_StaleCopyDoesNotLetOldPasswordThrough(t *testing.T) {
	app, ispID := publicBox(t)
	if err := app.isp.UpdateMailUser(context.Background(), int64(ispID), ispapi.MailUserUpdate{Password: ptr("Changed-In-Webmail-1")}); err != nil {
		t.Fatal(err)
	}
	r := app.browser().post("/mailbox/password", boxForm("me@pub.test", "M4ilbox!Secret", "Brand-New-Pass-1"))
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password after an outside change: status %d, want 401", r.StatusCode)
	}
	if !ispapi.VerifyMailPassword("Changed-In-Webmail-1", app.sim.Row("mail_user", ispID)["password"]) {
		t.Fatal("the old password changed the mailbox")
	}
}

func ptr[T any](v T) *T { return &v }

// Before: a new mailbox password of 12 Cyrillic letters was accepted and ISPConfig stored the hash of
// "????????????". Now every place that sets a mailbox password refuses it with a clear message and no call.
func TestMailboxPasswords_Latin1Only(t *testing.T) {
	w := newMailWorld(t)
	app := w.app
	md := app.fixtureMailDomain(w.client, "latin.test", true)
	box := app.fixtureMailbox(w.client, md, "me@latin.test")
	const cyr = "ПарольПароль"
	app.sim.ResetCalls()
	cases := []struct {
		b    *browser
		path string
		form url.Values
	}{
		{w.cb, fmt.Sprintf("/mail/%d/mailboxes", md), url.Values{"local": {"new"}, "name": {"N"}, "password": {cyr}, "quota_mb": {"10"}}},
		{w.cb, fmt.Sprintf("/mail/mailboxes/%d/password", box), url.Values{"password": {cyr}}},
		{app.browser(), "/mailbox/password", boxForm("me@latin.test", "M4ilbox!Secret", cyr)},
	}
	for _, c := range cases {
		r := c.b.post(c.path, c.form)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.body, "ISO-8859-1") {
			t.Errorf("POST %s with a Cyrillic password: status %d, want 422 naming ISO-8859-1; %.300s", c.path, r.StatusCode, r.body)
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("Cyrillic passwords made %d ISPConfig calls", n)
	}
	if _, err := app.isp.AddMailUser(context.Background(), app.ispClientID(w.client), ispapi.MailUserParams{ServerID: 1,
		Email: "x@latin.test", Password: cyr, Maildir: "/m", Homedir: "/h"}); err == nil {
		t.Fatal("the client sent a Cyrillic mailbox password")
	}
	if r := w.cb.post(fmt.Sprintf("/mail/mailboxes/%d/password", box), url.Values{"password": {"Pässwörd-Latin1"}}); r.StatusCode >= 400 {
		t.Fatalf("Latin-1 password refused: %d %.300s", r.StatusCode, r.body)
	}
}

// Attempt counts don't grow without bound: rows past the retention are pruned.
func TestAttempts_PruneAfterRetention(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	at := store.NewAttempts(app.pool)
	old := time.Now().Add(-40 * 24 * time.Hour)
	for i := 0; i < 3; i++ {
		if _, err := at.Hit(ctx, "signin.failed", fmt.Sprint("k", i), time.Hour, old); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := at.Hit(ctx, "signin.failed", "fresh", time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	n, err := at.Prune(ctx, 30*24*time.Hour, time.Now())
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3", n, err)
	}
	if app.attemptCount("signin.failed") != 1 {
		t.Fatal("fresh count pruned")
	}
}

// Mailboxes whose password the portal never set (created before it kept a copy of the hash, or adopted), and
// passwords changed outside the portal, get the current hash from the drift check; until then the public page
// refuses them like any wrong password, without asking ISPConfig.
func TestMailboxPage_DriftCheckRefreshesTheHashCopy(t *testing.T) {
	app, ispID := publicBox(t)
	ctx := context.Background()
	if _, err := app.pool.Exec(ctx, `UPDATE mailboxes SET password_hash = '' WHERE email = 'me@pub.test'`); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	app.sim.ResetCalls()
	if r := b.post("/mailbox/password", boxForm("me@pub.test", "M4ilbox!Secret", "Brand-New-Pass-1")); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("mailbox without a hash copy: status %d, want 401", r.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("%d ISPConfig calls", n)
	}
	if _, err := app.tenancy.CheckDrift(ctx, app.platform.ID); err != nil {
		t.Fatal(err)
	}
	if r := b.post("/mailbox/password", boxForm("me@pub.test", "M4ilbox!Secret", "Brand-New-Pass-1")); r.StatusCode != http.StatusOK {
		t.Fatalf("after the drift check: status %d, want 200; %.300s", r.StatusCode, r.body)
	}
	// A change in webmail: the next check follows it.
	if err := app.isp.UpdateMailUser(ctx, int64(ispID), ispapi.MailUserUpdate{Password: ptr("Changed-In-Webmail-2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.tenancy.CheckDrift(ctx, app.platform.ID); err != nil {
		t.Fatal(err)
	}
	if r := b.post("/mailbox/password", boxForm("me@pub.test", "Changed-In-Webmail-2", "Brand-New-Pass-3")); r.StatusCode != http.StatusOK {
		t.Fatalf("after a webmail change and a drift check: status %d", r.StatusCode)
	}
	var open int
	if err := app.pool.QueryRow(ctx, `SELECT count(*) FROM drift_items WHERE upstream::text LIKE '%$6$%'`).Scan(&open); err != nil || open != 0 {
		t.Fatalf("a password hash ended up in drift items (%d, %v)", open, err)
	}
}
