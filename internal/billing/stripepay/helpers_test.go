package stripepay

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/billing"
	"portal/internal/billing/stripepay/stripefake"
	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/secret"
	"portal/internal/store"
	"portal/internal/testenv"
)

// fakeLedger is a small ledger in Postgres tables the test creates: invoices with an issuer and an owner, one row
// per ledger call (made inside the event's transaction, so a rolled-back call leaves none), and payments unique per
// (provider, reference) as billing's ledger keeps them. The exactly-once of event processing is the package's: the
// calls table shows how often the ledger was asked, whatever the ledger's own idempotency does.
type fakeLedger struct {
	pool     *pgxpool.Pool
	failNext atomic.Int32 // ApplyPayment fails this many more times
}

func newFakeLedger(t *testing.T, pool *pgxpool.Pool) *fakeLedger {
	t.Helper()
	_, err := pool.Exec(context.Background(), `
		CREATE TABLE fake_invoices (id bigint PRIMARY KEY, number text NOT NULL, customer_id bigint NOT NULL,
			reseller_id bigint, due_minor bigint NOT NULL, currency text NOT NULL, paid_minor bigint NOT NULL DEFAULT 0,
			pending text);
		CREATE TABLE fake_ledger_calls (id bigint GENERATED ALWAYS AS IDENTITY, kind text NOT NULL, invoice_id bigint NOT NULL,
			reference text NOT NULL);
		CREATE TABLE fake_payments (provider text NOT NULL, reference text NOT NULL, invoice_id bigint NOT NULL,
			minor bigint NOT NULL, currency text NOT NULL, paid_at timestamptz NOT NULL, UNIQUE (provider, reference));`)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeLedger{pool: pool}
}

func (l *fakeLedger) call(ctx context.Context, tx pgx.Tx, kind string, invoiceID int64, ref string) error {
	_, err := tx.Exec(ctx, `INSERT INTO fake_ledger_calls (kind, invoice_id, reference) VALUES ($1, $2, $3)`, kind, invoiceID, ref)
	return err
}

func (l *fakeLedger) ApplyPayment(ctx context.Context, tx pgx.Tx, p billing.Payment) error {
	if err := l.call(ctx, tx, "payment", p.InvoiceID, p.Reference); err != nil {
		return err
	}
	if l.failNext.Load() > 0 {
		l.failNext.Add(-1)
		return errors.New("the ledger is having a bad day")
	}
	tag, err := tx.Exec(ctx, `INSERT INTO fake_payments (provider, reference, invoice_id, minor, currency, paid_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, p.Provider, p.Reference, p.InvoiceID, p.Amount.Minor, p.Amount.Currency, p.PaidAt)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE fake_invoices SET paid_minor = paid_minor + $2, pending = NULL WHERE id = $1`, p.InvoiceID, p.Amount.Minor)
	return err
}

func (l *fakeLedger) MarkPaymentPending(ctx context.Context, tx pgx.Tx, invoiceID int64, provider, ref string) error {
	if err := l.call(ctx, tx, "pending", invoiceID, ref); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE fake_invoices SET pending = $2 WHERE id = $1 AND paid_minor < due_minor`, invoiceID, provider+":"+ref)
	return err
}

func (l *fakeLedger) ClearPaymentPending(ctx context.Context, tx pgx.Tx, invoiceID int64, provider, ref string) error {
	if err := l.call(ctx, tx, "clear", invoiceID, ref); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE fake_invoices SET pending = NULL WHERE id = $1 AND pending = $2`, invoiceID, provider+":"+ref)
	return err
}

func (l *fakeLedger) InvoiceIssuer(ctx context.Context, tx pgx.Tx, invoiceID int64) (Issuer, error) {
	var r *int64
	err := tx.QueryRow(ctx, `SELECT reseller_id FROM fake_invoices WHERE id = $1`, invoiceID).Scan(&r)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	return issuerOfRow(r), err
}

func (l *fakeLedger) InvoiceForCheckout(ctx context.Context, a hosting.Actor, invoiceID int64) (CheckoutRequest, Issuer, error) {
	var req CheckoutRequest
	var r *int64
	var paid int64
	err := l.pool.QueryRow(ctx, `SELECT id, number, due_minor, currency, paid_minor, reseller_id FROM fake_invoices
		WHERE id = $1 AND customer_id = $2`, invoiceID, a.Effective.CustomerID).
		Scan(&req.InvoiceID, &req.Number, &req.Amount.Minor, &req.Amount.Currency, &paid, &r)
	if errors.Is(err, pgx.ErrNoRows) {
		return req, 0, store.ErrNotFound
	}
	if err != nil {
		return req, 0, err
	}
	if req.Amount.Minor -= paid; req.Amount.Minor <= 0 {
		return req, 0, fail.Conflict("This invoice is paid.")
	}
	req.CustomerEmail = a.Effective.Email
	return req, issuerOfRow(r), nil
}

// world is one test's database, services, fake Stripe and clock.
type world struct {
	t      *testing.T
	env    *testenv.Env
	ledger *fakeLedger
	stripe *stripefake.Server
	svc    *Service
	box    *secret.Box
	now    atomic.Pointer[time.Time]
}

const (
	opSecretKey = "sk_test_operator0123456789abcdef"
	opWebhook   = "whsec_operator0123456789abcdef"
)

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, env: testenv.New(t)}
	var err error
	if w.box, err = secret.NewBox([]byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	w.now.Store(&start)
	w.ledger = newFakeLedger(t, w.env.Pool)
	w.stripe = stripefake.New(t, opSecretKey)
	w.svc = New(w.env.Pool, w.ledger, w.ledger, Config{Box: w.box, Backend: Backend{URL: w.stripe.URL},
		BaseURL: "https://portal.test", Now: func() time.Time { return *w.now.Load() }})
	return w
}

func (w *world) clock() time.Time { return *w.now.Load() }

func (w *world) advance(d time.Duration) {
	n := w.clock().Add(d)
	w.now.Store(&n)
}

// configure stores an issuer's keys through the service, as its admin or reseller would.
func (w *world) configure(a hosting.Actor, sk, whsec string) {
	w.t.Helper()
	w.stripe.AddKey(sk)
	a.Recent = true // confirmed it is them just now
	if _, err := w.svc.SaveSettings(context.Background(), a, SettingsInput{PublishableKey: "pk_test_abcdefghijklmnop", SecretKey: sk, WebhookSecret: whsec}); err != nil {
		w.t.Fatalf("save settings: %v", err)
	}
}

// invoice adds an open invoice of customer c issued by issuer.
func (w *world) invoice(id int64, c store.Customer, issuer Issuer, minor int64) {
	w.t.Helper()
	_, err := w.env.Pool.Exec(context.Background(), `INSERT INTO fake_invoices (id, number, customer_id, reseller_id, due_minor, currency)
		VALUES ($1, $2, $3, $4, $5, 'EUR')`, id, "INV-"+itoa(id), c.ID, issuer.ResellerID(), minor)
	if err != nil {
		w.t.Fatal(err)
	}
}

// deliver sends an event to issuer's endpoint signed with whsec at the current time.
func (w *world) deliver(issuer Issuer, whsec string, body []byte) error {
	return w.svc.Process(context.Background(), issuer.Key(), body, stripefake.Sign(body, whsec, w.clock()))
}

func (w *world) count(q string, args ...any) int {
	w.t.Helper()
	return w.env.Count(q, args...)
}

// sessionEvent is a Checkout Session event for invoiceID as Stripe would send it.
func sessionEvent(eventID, typ string, invoiceID int64, sessionID, paymentStatus string, minor int64, created time.Time) []byte {
	return stripefake.Event(eventID, typ, stripefake.Session{ID: sessionID, Object: "checkout.session", Mode: "payment",
		Status: "complete", PaymentStatus: paymentStatus, AmountTotal: minor, Currency: "eur",
		Metadata: map[string]string{"invoice_id": itoa(invoiceID)}, URL: "https://checkout.stripe.test/x"}, created)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
