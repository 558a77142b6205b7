package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"portal/internal/billing/stripepay"
	"portal/internal/billing/stripepay/stripefake"
	"portal/internal/secret"
	"portal/internal/store"
)

// blockedOnLocks counts the backends of this test's database waiting for a row or transaction lock.
func blockedOnLocks(e *env) int {
	return e.Count(`SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')
		AND pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())`)
}

// holdInvoice locks an invoice's row in a transaction of the test's until release is called: whatever wants the
// invoice waits, so the contenders are all in flight before any of them goes on.
func holdInvoice(e *env, id int64) (release func()) {
	e.T.Helper()
	ctx := context.Background()
	tx, err := e.Pool.Begin(ctx)
	if err != nil {
		e.T.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM invoices WHERE id = $1 FOR UPDATE`, id); err != nil {
		e.T.Fatal(err)
	}
	return func() {
		if err := tx.Commit(ctx); err != nil {
			e.T.Fatal(err)
		}
	}
}

// TestConcurrency_SameWebhookTwiceAtOnce: two deliveries of one Stripe event, through the real webhook service and
// billing's ledger on Postgres, start together (a barrier) and are both in flight (the invoice held) before either
// may finish: exactly one payment, the invoice paid once, one stored event, and both deliveries answered as done.
func TestConcurrency_SameWebhookTwiceAtOnce(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.pricedPlan("P", 5000)
	c := e.billedClient(nil, "twice", p)
	inv := e.invoices(c)[0]

	box, err := secret.NewBox([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	const sk, whsec = "sk_test_concurrency0123456789", "whsec_concurrency0123456789"
	fake := stripefake.New(t, sk)
	now := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	pay := stripepay.New(e.Pool, e.B, stripepay.Invoices(e.B), stripepay.Config{Box: box, Backend: stripepay.Backend{URL: fake.URL},
		BaseURL: "https://portal.test", Now: func() time.Time { return now }})
	admin := e.Admin()
	admin.Recent = true
	if _, err := pay.SaveSettings(ctx, admin, stripepay.SettingsInput{PublishableKey: "pk_test_concurrency0123", SecretKey: sk, WebhookSecret: whsec}); err != nil {
		t.Fatal(err)
	}
	body := stripefake.Event("evt_twice_1", "checkout.session.completed", stripefake.Session{ID: "cs_test_twice", Object: "checkout.session",
		Mode: "payment", Status: "complete", PaymentStatus: "paid", AmountTotal: inv.TotalMinor, Currency: "eur",
		Metadata: map[string]string{"invoice_id": itoa(inv.ID)}}, now)
	sig := stripefake.Sign(body, whsec, now)

	release := holdInvoice(e, inv.ID)
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			<-start
			errs[i] = pay.Process(ctx, "operator", body, sig)
		})
	}
	close(start)
	// One delivery waits for the invoice, the other for the first one's stored event.
	e.waitFor("both deliveries in flight", func() bool { return blockedOnLocks(e) >= 2 })
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	if n := e.Count(`SELECT count(*) FROM payments WHERE invoice_id = $1`, inv.ID); n != 1 {
		t.Fatalf("%d payments from two deliveries of one event, want 1", n)
	}
	if got := e.invoice(inv.ID); got.State != store.InvoicePaid || got.PaidMinor != inv.TotalMinor {
		t.Fatalf("invoice %s paid %d, want paid %d once", got.State, got.PaidMinor, inv.TotalMinor)
	}
	if n := e.Count(`SELECT count(*) FROM payment_events WHERE event_id = 'evt_twice_1' AND outcome = 'applied'`); n != 1 {
		t.Fatalf("%d stored events, want 1 applied", n)
	}
	if n := e.credit(c); n != 0 {
		t.Fatalf("credit balance %d after the double delivery, want 0 (nothing paid twice)", n)
	}
}

// TestConcurrency_DunningWhileRecordingPayment: dunning (overdue: remind and suspend) and the issuer recording the
// bank transfer start together and both wait for the invoice before either goes on; whichever wins, the customer
// is never suspended after its invoice was paid, and the end state is consistent: the invoice paid once, the
// customer not suspended, its subscription active. Run a few times, with fresh customers.
func TestConcurrency_DunningWhileRecordingPayment(t *testing.T) {
	e := newEnv(t, "", true)
	ctx := context.Background()
	p := e.pricedPlan("P", 5000)
	for round := range 3 {
		e.Clock.Set("2026-01-01")
		c := e.billedClient(nil, "race-"+itoa(int64(round)), p)
		inv := e.invoices(c)[0]
		e.Clock.Set("2026-01-10") // five days overdue and more: dunning suspends unless paid
		release := holdInvoice(e, inv.ID)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var runErr, payErr error
		wg.Go(func() { <-start; runErr = e.B.Dunning(ctx) })
		wg.Go(func() {
			<-start
			payErr = e.B.RecordPayment(ctx, e.Admin(), inv.ID, "bank", "50.00", "RACE-"+itoa(inv.ID), e.Clock.Now())
		})
		close(start)
		e.waitFor("dunning and the payment both waiting for the invoice", func() bool { return blockedOnLocks(e) >= 2 })
		release()
		wg.Wait()
		if runErr != nil || payErr != nil {
			t.Fatalf("round %d: dunning %v, payment %v", round, runErr, payErr)
		}
		if suspendedAfterPaid(e, inv.ID) {
			t.Fatalf("round %d: billing suspended the customer after its invoice was paid", round)
		}
		if got := e.invoice(inv.ID); got.State != store.InvoicePaid || got.PaidMinor != 5000 {
			t.Fatalf("round %d: invoice %s paid %d, want paid 5000", round, got.State, got.PaidMinor)
		}
		e.waitFor("the customer unsuspended and its subscription active", func() bool {
			got := e.Reload(c)
			sub, err := store.NewBilling(e.Pool).SubscriptionOf(ctx, c.ID, false)
			return err == nil && !got.Suspended() && got.Suspension == store.SuspensionNone && sub.State == store.SubActive
		})
		e.run() // dunning again: nothing to do for a paid invoice
		if got := e.Reload(c); got.Suspended() {
			t.Fatalf("round %d: suspended by a run after the payment", round)
		}
	}
}
