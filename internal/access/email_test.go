package access_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/testenv"
)

// withPassword gives a customer's sign-in a real password and returns the account.
func withPassword(t *testing.T, e *testenv.Env, c store.Customer) store.Account {
	t.Helper()
	hash, _ := auth.NewHasher(8 * 1024).Hash(good)
	if _, err := store.NewAccounts(e.Pool).SetPassword(context.Background(), account(t, e, c).ID, hash); err != nil {
		t.Fatal(err)
	}
	return account(t, e, c)
}

// Changing the sign-in address asks for the password, keeps the new address pending until its link is followed,
// and tells the old address. The link works once, only for the pending address.
func TestEmailChange_PendingUntilConfirmedOldAddressTold(t *testing.T) {
	mp := mailtest.Shared(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.StartJobs()
	ctx := context.Background()
	reseller := e.Customer(store.RoleReseller, nil, "ec-reseller@example.test")
	c := e.Customer(store.RoleClient, &reseller, "ec-old@example.test")
	a := withPassword(t, e, c)
	me := access.Actor{Acting: a, Effective: a, IP: "192.0.2.5"}

	// Not confirmed within the last few minutes: refused before anything changes.
	if err := e.Access.RequestEmailChange(ctx, me, "ec-new@example.test"); err != fail.ErrReauth {
		t.Fatalf("without a recent confirmation: %v, want ErrReauth", err)
	}
	me.Recent = true
	if fail.FieldsOf(e.Access.RequestEmailChange(ctx, me, "not an address"))["email"].Format == "" {
		t.Fatal("an invalid address was accepted")
	}
	resellerAcct := account(t, e, reseller)
	acting := access.Actor{Acting: resellerAcct, Effective: a, Recent: true}
	wantStatus(t, e.Access.RequestEmailChange(ctx, acting, "ec-new@example.test"), http.StatusForbidden, "while impersonating")
	if account(t, e, c).PendingEmail != nil {
		t.Fatal("a refused request left a pending address")
	}

	if err := e.Access.RequestEmailChange(ctx, me, "EC-New@example.test"); err != nil {
		t.Fatal(err)
	}
	a = account(t, e, c)
	if a.Email != "ec-old@example.test" || a.PendingEmail == nil || *a.PendingEmail != "ec-new@example.test" {
		t.Fatalf("after the request: email %q, pending %v", a.Email, a.PendingEmail)
	}
	notice := mp.Wait("ec-old@example.test", 1)[0]
	if !strings.Contains(notice.Text, "ec-new@example.test") || strings.Contains(notice.Text, "/account/email/confirm/") || notice.From.Name != reseller.Name {
		t.Fatalf("notice to the old address (from %q):\n%s", notice.From.Name, notice.Text)
	}
	confirm := mp.Wait("ec-new@example.test", 1)[0]
	raw := strings.TrimPrefix(mailtest.Link(t, confirm.Text, "http://portal.test/account/email/confirm/"), "http://portal.test/account/email/confirm/")
	if got, err := e.Access.EmailChangeFor(ctx, raw); err != nil || got != "ec-new@example.test" {
		t.Fatalf("confirmation page: %q %v", got, err)
	}
	if _, err := e.Access.ConfirmEmailChange(ctx, raw, "192.0.2.5"); err != nil {
		t.Fatal(err)
	}
	a = account(t, e, c)
	if a.Email != "ec-new@example.test" || a.PendingEmail != nil || a.EmailConfirmedAt == nil {
		t.Fatalf("after confirming: %q pending %v confirmed %v", a.Email, a.PendingEmail, a.EmailConfirmedAt)
	}
	_, err := e.Access.ConfirmEmailChange(ctx, raw, "192.0.2.5")
	wantStatus(t, err, http.StatusNotFound, "second use")
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action LIKE 'email.change.%' AND outcome = 'success'`); n != 2 {
		t.Fatalf("%d successful steps audited, want 2", n)
	}
}

// A link for an address that is no longer the pending one (a newer request replaced it) is refused, and so is an
// address another account took in the meantime.
func TestEmailChange_ReplacedOrTaken(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	c := e.Customer(store.RoleClient, nil, "ecr-old@example.test")
	a := withPassword(t, e, c)
	me := access.Actor{Acting: a, Effective: a, Recent: true}
	if err := e.Access.RequestEmailChange(ctx, me, "ecr-first@example.test"); err != nil {
		t.Fatal(err)
	}
	first := heldLink(t, e, "ecr-first@example.test", "/account/email/confirm/")
	if err := e.Access.RequestEmailChange(ctx, me, "ecr-second@example.test"); err != nil {
		t.Fatal(err)
	}
	second := heldLink(t, e, "ecr-second@example.test", "/account/email/confirm/")
	_, err := e.Access.ConfirmEmailChange(ctx, first, "")
	wantStatus(t, err, http.StatusNotFound, "replaced request")
	e.Customer(store.RoleClient, nil, "ecr-second@example.test")
	_, err = e.Access.ConfirmEmailChange(ctx, second, "")
	wantStatus(t, err, http.StatusConflict, "address taken meanwhile")
	if got := account(t, e, c); got.Email != "ecr-old@example.test" {
		t.Fatalf("address changed to %q", got.Email)
	}
}
