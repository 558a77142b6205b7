package access_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/mailer"
	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/testenv"
)

// recorder is a pgx tracer that keeps every statement's SQL, in order.
type recorder struct {
	mu  sync.Mutex
	sql []string
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	// river's client wakes its workers with a pg_notify after an insert at most once per fetch cooldown: whether a
	// request sends one depends on the time since the last, not on the request.
	if strings.Contains(d.SQL, "pg_notify") {
		return ctx
	}
	r.mu.Lock()
	r.sql = append(r.sql, strings.Join(strings.Fields(d.SQL), " "))
	r.mu.Unlock()
	return ctx
}
func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sql
	r.sql = nil
	return out
}

// A reset request for an unknown address does exactly the work of one for a known address: the same statements
// in the same order, one message (to the address asked for) with its delivery job, and the same answer.
func TestReset_UnknownEmailDoesTheSameWork(t *testing.T) {
	e := testenv.New(t, withSMTP("smtp://127.0.0.1:9")) // jobs are not worked: nothing is sent
	e.Customer(store.RoleClient, nil, "known@example.test")
	cfg, err := pgxpool.ParseConfig(e.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	cfg.ConnConfig.Tracer = rec
	store.ConfigurePool(cfg) // as cmd/portal's pool plans
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	smtp, _ := mailer.ParseURL("smtp://127.0.0.1:9")
	m, err := mailer.New(pool, mailer.Config{SMTP: smtp, From: "Op <op@example.test>"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.SetJobs(e.Jobs)
	svc := access.New(pool, m, auth.NewHasher(8*1024), "http://portal.test", nil)
	ctx := context.Background()

	if err := svc.RequestReset(ctx, "warm-up@example.test", "192.0.2.1"); err != nil { // first-use work of the pool
		t.Fatal(err)
	}
	rec.take()
	errKnown := svc.RequestReset(ctx, "Known@Example.test", "192.0.2.2")
	known := rec.take()
	errUnknown := svc.RequestReset(ctx, "unknown@example.test", "192.0.2.3")
	unknown := rec.take()
	if errKnown != nil || errUnknown != nil {
		t.Fatalf("answers differ or fail: known %v, unknown %v", errKnown, errUnknown)
	}
	if len(known) < 5 || !slices.Equal(known, unknown) {
		t.Fatalf("different work:\nknown:\n  %s\nunknown:\n  %s", strings.Join(known, "\n  "), strings.Join(unknown, "\n  "))
	}
	for _, addr := range []string{"known@example.test", "unknown@example.test"} {
		if n := e.Count(`SELECT count(*) FROM outbox WHERE to_addr = $1`, addr); n != 1 {
			t.Fatalf("%s: %d messages, want 1", addr, n)
		}
	}
	if n := e.Count(`SELECT count(*) FROM river_job WHERE kind = 'send_mail'`); n != 3 {
		t.Fatalf("%d delivery jobs, want 3", n)
	}
	if n := e.Count(`SELECT count(*) FROM account_tokens WHERE purpose = 'reset'`); n != 1 {
		t.Fatalf("%d reset tokens, want 1 (the known address's)", n)
	}
	t.Logf("both requests ran the same %d statements", len(known))
}

func resetLink(t *testing.T, m mailtest.Message) string {
	t.Helper()
	return strings.TrimPrefix(mailtest.Link(t, m.Text, "http://portal.test/password/reset/"), "http://portal.test/password/reset/")
}

// A reset link arrives by mail, works for 30 minutes and once; a newer request revokes it; it is bound to the
// address it was sent to. An unknown address gets a note and no link.
func TestReset_LinkRules(t *testing.T) {
	mp := mailtest.Shared(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.StartJobs()
	e.Access.Limits.ResetPerEmail = 100 // this test asks often; the limits have their own test
	ctx := context.Background()
	c := e.Customer(store.RoleClient, nil, "reset-rules@example.test")
	before := account(t, e, c)

	if err := e.Access.RequestReset(ctx, "reset-nobody@example.test", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if note := mp.Wait("reset-nobody@example.test", 1)[0]; strings.Contains(note.Text, "/password/reset/") || !strings.Contains(note.Text, "no account uses it") {
		t.Fatalf("note to an unknown address:\n%s", note.Text)
	}
	if err := e.Access.RequestReset(ctx, "reset-rules@example.test", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if err := e.Access.RequestReset(ctx, "reset-rules@example.test", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	msgs := mp.Wait("reset-rules@example.test", 2)
	if mailtest.OutboxID(msgs[0]) > mailtest.OutboxID(msgs[1]) {
		msgs[0], msgs[1] = msgs[1], msgs[0]
	}
	first, second := resetLink(t, msgs[0]), resetLink(t, msgs[1])
	if n := e.Count(`SELECT count(*) FROM account_tokens WHERE purpose = 'reset' AND expires_at - created_at = interval '30 minutes'`); n != 2 {
		t.Fatalf("%d reset links valid for 30 minutes, want 2", n)
	}
	_, err := e.Access.Reset(ctx, first, good, good, "192.0.2.1")
	wantStatus(t, err, http.StatusNotFound, "the link a newer request replaced")
	if email, err := e.Access.ResetFor(ctx, second); err != nil || email != "reset-rules@example.test" {
		t.Fatalf("reset page: %q %v", email, err)
	}
	_, err = e.Access.Reset(ctx, second, "short", "short", "192.0.2.1")
	if fail.FieldsOf(err)["password"].Format == "" {
		t.Fatalf("weak password: %v", err)
	}
	if _, err := e.Access.Reset(ctx, second, good, good, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	after := account(t, e, c)
	if !auth.NewHasher(8*1024).Verify(good, after.PasswordHash) || !after.PasswordChangedAt.After(before.PasswordChangedAt) || after.EmailConfirmedAt == nil {
		t.Fatal("the reset did not set the password (and end the sessions signed in before it)")
	}
	_, err = e.Access.Reset(ctx, second, "yet another password", "yet another password", "192.0.2.1")
	wantStatus(t, err, http.StatusNotFound, "second use")

	// Expired after 30 minutes, by the database's clock.
	if err := e.Access.RequestReset(ctx, "reset-rules@example.test", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	third := resetLink(t, lastTo(t, mp, "reset-rules@example.test", 3))
	if _, err := e.Pool.Exec(ctx, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL AND revoked_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	_, err = e.Access.Reset(ctx, third, "yet another password", "yet another password", "192.0.2.1")
	wantStatus(t, err, http.StatusNotFound, "expired link")

	// Bound to the address: once the account's address changed, the link is refused.
	if err := e.Access.RequestReset(ctx, "reset-rules@example.test", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	fourth := resetLink(t, lastTo(t, mp, "reset-rules@example.test", 4))
	if err := e.Ten.UpdateContact(ctx, c.ID, c.Name, "", "reset-moved@example.test"); err != nil {
		t.Fatal(err)
	}
	_, err = e.Access.Reset(ctx, fourth, "yet another password", "yet another password", "192.0.2.1")
	wantStatus(t, err, http.StatusNotFound, "link to the old address")
	if !auth.NewHasher(8*1024).Verify(good, account(t, e, c).PasswordHash) {
		t.Fatal("a refused link changed the password")
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'password.reset' AND outcome = 'success'`); n != 1 {
		t.Fatalf("%d resets audited", n)
	}
}

// lastTo waits for n messages to addr and returns the newest by outbox id.
func lastTo(t *testing.T, mp *mailtest.Mailpit, addr string, n int) mailtest.Message {
	t.Helper()
	msgs := mp.Wait(addr, n)
	slices.SortFunc(msgs, func(a, b mailtest.Message) int { return int(mailtest.OutboxID(a) - mailtest.OutboxID(b)) })
	return msgs[len(msgs)-1]
}

// Reset requests are limited to 3 an hour per address and 10 an hour per IP (IPv6 per /64), counted in Postgres:
// two portal instances on one database share the counts. The answer is the same for known and unknown addresses,
// and the limit lifts when the hour has passed.
func TestReset_RateLimitsSharedAcrossInstances(t *testing.T) {
	e := testenv.New(t)
	e.Customer(store.RoleClient, nil, "limited@example.test")
	ctx := context.Background()
	cfg, _ := pgxpool.ParseConfig(e.Pool.Config().ConnString())
	store.ConfigurePool(cfg) // as cmd/portal's pool plans
	pool2, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool2.Close()
	off, _ := mailer.ParseURL("off")
	m2, _ := mailer.New(pool2, mailer.Config{SMTP: off, From: "Op <op@example.test>"}, nil)
	second := access.New(pool2, m2, auth.NewHasher(8*1024), "http://portal.test", nil) // another replica
	instances := []*access.Service{e.Access, second}

	for _, addr := range []string{"limited@example.test", "nobody-limited@example.test"} {
		for i := range 3 {
			if err := instances[i%2].RequestReset(ctx, addr, fmt.Sprintf("192.0.2.%d", 10+i)); err != nil {
				t.Fatalf("%s request %d: %v", addr, i+1, err)
			}
		}
		err := instances[1].RequestReset(ctx, addr, "192.0.2.99")
		wantStatus(t, err, http.StatusTooManyRequests, addr+" 4th request")
	}
	// Per IP: 10 an hour; an IPv6 /64 counts as one.
	for i := range 10 {
		if err := instances[i%2].RequestReset(ctx, fmt.Sprintf("ip%d@example.test", i), fmt.Sprintf("2001:db8:1:2::%x", i+1)); err != nil {
			t.Fatalf("ip request %d: %v", i+1, err)
		}
	}
	wantStatus(t, e.Access.RequestReset(ctx, "ip-more@example.test", "2001:db8:1:2:ffff::1"), http.StatusTooManyRequests, "11th from the /64")
	if err := second.RequestReset(ctx, "ip-more@example.test", "2001:db8:1:3::1"); err != nil {
		t.Fatalf("another /64: %v", err)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'password.reset.request' AND outcome = 'denied'`); n != 3 {
		t.Fatalf("%d refused requests audited, want 3", n)
	}
	// An hour later the limits have lifted.
	if _, err := e.Pool.Exec(ctx, `UPDATE rate_events SET at = at - interval '61 minutes'`); err != nil {
		t.Fatal(err)
	}
	if err := second.RequestReset(ctx, "limited@example.test", "2001:db8:1:2::1"); err != nil {
		t.Fatalf("after the hour: %v", err)
	}
}
