package access_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/testenv"
)

const good = "a long enough password"

func withSMTP(u string) func(*testenv.Options) { return func(o *testenv.Options) { o.SMTP = u } }

// invite creates a client of reseller (nil: the operator's) whose owner is invited.
func invite(t *testing.T, e *testenv.Env, reseller *store.Customer, email string) store.Customer {
	t.Helper()
	in := tenancy.NewCustomer{Kind: store.RoleClient, PlatformID: e.Platform.ID, PlanID: e.Plan(reseller, store.RoleClient, "plan "+email, testenv.Unlimited).ID,
		Name: "Owner " + email, Email: email, Username: testenv.Username(email), Invite: true}
	if reseller != nil {
		in.ResellerID = &reseller.ID
	}
	c, err := e.Ten.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// heldLink is the newest link to path in a held (unsent) message to email.
func heldLink(t *testing.T, e *testenv.Env, email, path string) string {
	t.Helper()
	var text string
	if err := e.Pool.QueryRow(context.Background(), `SELECT text_body FROM outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1`, email).Scan(&text); err != nil {
		t.Fatalf("no message to %s: %v", email, err)
	}
	return strings.TrimPrefix(mailtest.Link(t, text, "http://portal.test"+path), "http://portal.test"+path)
}

func account(t *testing.T, e *testenv.Env, c store.Customer) store.Account {
	t.Helper()
	a, err := store.NewAccounts(e.Pool).ByCustomer(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func wantStatus(t *testing.T, err error, status int, what string) *fail.Error {
	t.Helper()
	fe, ok := fail.As(err)
	if !ok || fe.Status != status {
		t.Fatalf("%s: %v, want a %d", what, err, status)
	}
	return fe
}

// The invitation arrives by mail from the reseller, is valid for 7 days, sets the password, confirms the address,
// and works exactly once. Every use is audited.
func TestInvite_AcceptOnceConfirmsAddress(t *testing.T) {
	mp := mailtest.Shared(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.StartJobs()
	ctx := context.Background()
	reseller := e.Customer(store.RoleReseller, nil, "inv-reseller@example.test")
	c := invite(t, e, &reseller, "inv-accept@example.test")
	a := account(t, e, c)
	if a.HasPassword() || a.EmailConfirmedAt != nil {
		t.Fatal("an invited account has a password or a confirmed address before accepting")
	}
	if n := e.Count(`SELECT count(*) FROM account_tokens WHERE purpose = 'invite' AND expires_at - created_at = interval '7 days'`); n != 1 {
		t.Fatalf("%d invitations valid for 7 days, want 1", n)
	}
	if n := e.Count(`SELECT count(*) FROM account_tokens WHERE length(token_hash) = 32`); n != 1 {
		t.Fatal("the token is not stored as a SHA-256")
	}
	msg := mp.Wait("inv-accept@example.test", 1)[0]
	if msg.From.Name != reseller.Name || !strings.Contains(msg.HTML, "/invite/") {
		t.Fatalf("invitation from %+v, html %q", msg.From, msg.HTML)
	}
	raw := strings.TrimPrefix(mailtest.Link(t, msg.Text, "http://portal.test/invite/"), "http://portal.test/invite/")
	if n := e.Count(`SELECT count(*) FROM account_tokens WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, raw); n != 0 {
		t.Fatal("the raw token is stored")
	}

	inv, err := e.Access.InvitationFor(ctx, raw)
	if err != nil || inv.Email != "inv-accept@example.test" {
		t.Fatalf("invitation page: %+v %v", inv, err)
	}
	// A weak password is a field error and uses nothing up.
	_, err = e.Access.AcceptInvite(ctx, raw, "short", "short", "192.0.2.9")
	if f := fail.FieldsOf(err); f["password"].Format == "" {
		t.Fatalf("weak password: %v", err)
	}
	_, err = e.Access.AcceptInvite(ctx, raw, good, good+"x", "192.0.2.9")
	if f := fail.FieldsOf(err); f["confirm_password"].Format == "" {
		t.Fatalf("mismatched confirmation: %v", err)
	}
	got, err := e.Access.AcceptInvite(ctx, raw, good, good, "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	a = account(t, e, c)
	if got.ID != a.ID || !auth.NewHasher(8*1024).Verify(good, a.PasswordHash) || a.EmailConfirmedAt == nil {
		t.Fatalf("after accepting: password set %v, confirmed %v", a.HasPassword(), a.EmailConfirmedAt)
	}
	// Used up.
	_, err = e.Access.AcceptInvite(ctx, raw, "another long password", "another long password", "192.0.2.9")
	wantStatus(t, err, http.StatusNotFound, "second use")
	if _, err := e.Access.InvitationFor(ctx, raw); err == nil {
		t.Fatal("a used invitation still shows its page")
	}
	if !auth.NewHasher(8*1024).Verify(good, account(t, e, c).PasswordHash) {
		t.Fatal("the second use changed the password")
	}
	if st, _ := e.Access.StateOf(ctx, c.ID); st.State != "accepted" {
		t.Fatalf("state %q, want accepted", st.State)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'invite.accept' AND outcome = 'success' AND object_id = $1`, fmt.Sprint(a.ID)); n != 1 {
		t.Fatalf("%d successful accepts audited", n)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'invite.accept' AND outcome = 'denied'`); n != 1 {
		t.Fatalf("%d refused accepts audited, want 1 (the reuse)", n)
	}
}

// An invitation past its 7 days is refused by the database's clock, whatever the caller's clock says.
func TestInvite_Expired(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	c := invite(t, e, nil, "inv-expired@example.test")
	raw := heldLink(t, e, "inv-expired@example.test", "/invite/")
	if _, err := e.Access.InvitationFor(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.Exec(ctx, `UPDATE account_tokens SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	_, err := e.Access.AcceptInvite(ctx, raw, good, good, "192.0.2.9")
	wantStatus(t, err, http.StatusNotFound, "expired invitation")
	if account(t, e, c).HasPassword() {
		t.Fatal("an expired invitation set the password")
	}
	if st, _ := e.Access.StateOf(ctx, c.ID); st.State != "expired" {
		t.Fatalf("state %q, want expired", st.State)
	}
	// A new invitation works again.
	if err := e.Access.ResendInvite(ctx, access.Actor{Acting: e.Admin().Acting, Effective: e.Admin().Effective}, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Access.AcceptInvite(ctx, heldLink(t, e, "inv-expired@example.test", "/invite/"), good, good, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
}

// Resending revokes the previous link; the new one is delivered and works; after accepting there is nothing to
// resend.
func TestInvite_ResendRevokesPrevious(t *testing.T) {
	mp := mailtest.Shared(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.StartJobs()
	ctx := context.Background()
	c := invite(t, e, nil, "inv-resend@example.test")
	admin := access.Actor{Acting: e.Admin().Acting, Effective: e.Admin().Effective, IP: "192.0.2.1"}
	if err := e.Access.ResendInvite(ctx, admin, c.ID); err != nil {
		t.Fatal(err)
	}
	msgs := mp.Wait("inv-resend@example.test", 2)
	if mailtest.OutboxID(msgs[0]) > mailtest.OutboxID(msgs[1]) { // delivery order is not creation order
		msgs[0], msgs[1] = msgs[1], msgs[0]
	}
	old := strings.TrimPrefix(mailtest.Link(t, msgs[0].Text, "http://portal.test/invite/"), "http://portal.test/invite/")
	cur := strings.TrimPrefix(mailtest.Link(t, msgs[1].Text, "http://portal.test/invite/"), "http://portal.test/invite/")
	if old == cur {
		t.Fatal("the resent invitation has the same link")
	}
	_, err := e.Access.AcceptInvite(ctx, old, good, good, "192.0.2.9")
	wantStatus(t, err, http.StatusNotFound, "the revoked link")
	if _, err := e.Access.AcceptInvite(ctx, cur, good, good, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.Access.ResendInvite(ctx, admin, c.ID), http.StatusConflict, "resend after accepting")
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'invite.resend'`); n != 2 {
		t.Fatalf("%d resends audited, want 2 (one done, one refused)", n)
	}
}

// An invitation is bound to the address it was sent to: once the account's address changed, it is refused and
// stays unused. Made-up and malformed links are refused alike.
func TestInvite_BoundToAddress(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	c := invite(t, e, nil, "inv-bound@example.test")
	raw := heldLink(t, e, "inv-bound@example.test", "/invite/")
	if err := e.Ten.UpdateContact(ctx, c.ID, c.Name, "", "inv-other@example.test"); err != nil {
		t.Fatal(err)
	}
	_, err := e.Access.AcceptInvite(ctx, raw, good, good, "192.0.2.9")
	if fe := wantStatus(t, err, http.StatusConflict, "other address"); !strings.Contains(fe.Msg, "inv-bound@example.test") {
		t.Fatalf("message %q should name the invited address", fe.Msg)
	}
	if account(t, e, c).HasPassword() || e.Count(`SELECT count(*) FROM account_tokens WHERE used_at IS NOT NULL`) != 0 {
		t.Fatal("a refused invitation changed something")
	}
	// The real link with its last character changed: to another secret (a data bit flipped), and to another
	// spelling of the same secret (an unused bit set), which is refused too (linktoken reads only New's spelling).
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, raw[42])
	other, respelled := alphabet[i^32:i^32+1], alphabet[i^1:i^1+1]
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), raw + "A", raw[:42] + other, raw[:42] + respelled} {
		_, err := e.Access.AcceptInvite(ctx, bad, good, good, "192.0.2.9")
		wantStatus(t, err, http.StatusNotFound, "link "+bad)
	}
}

// While the reseller is suspended its clients can't accept (the link stays usable); after unsuspending they can.
func TestInvite_SuspendedReseller(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	reseller := e.Customer(store.RoleReseller, nil, "inv-susp-reseller@example.test")
	c := invite(t, e, &reseller, "inv-susp@example.test")
	raw := heldLink(t, e, "inv-susp@example.test", "/invite/")
	if err := e.Ten.SetSuspended(ctx, reseller.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	_, err := e.Access.AcceptInvite(ctx, raw, good, good, "192.0.2.9")
	wantStatus(t, err, http.StatusForbidden, "suspended reseller")
	if account(t, e, c).HasPassword() {
		t.Fatal("accepted while suspended")
	}
	admin := access.Actor{Acting: e.Admin().Acting, Effective: e.Admin().Effective}
	wantStatus(t, e.Access.ResendInvite(ctx, admin, c.ID), http.StatusForbidden, "resend while suspended")
	if err := e.Ten.SetSuspended(ctx, reseller.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Access.AcceptInvite(ctx, raw, good, good, "192.0.2.9"); err != nil {
		t.Fatalf("after unsuspending: %v", err)
	}
	if errors.Is(err, nil) && !account(t, e, c).HasPassword() {
		t.Fatal("no password after accepting")
	}
}
