package billing_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
	"portal/internal/testenv"
)

// suspendedAfterPaid reports whether billing recorded its suspension for an invoice after a payment of it was
// recorded (the audit entries are written under the invoice's lock, so their order is the order of the two).
func suspendedAfterPaid(e *env, invoiceID int64) bool {
	e.T.Helper()
	var susp, paid int64
	err := e.Pool.QueryRow(context.Background(), `SELECT
		coalesce((SELECT max(id) FROM audit_log WHERE action = 'invoice.dunning_suspend' AND object_id = $1), 0),
		coalesce((SELECT min(id) FROM audit_log WHERE action = 'invoice.payment' AND object_id = $1), 0)`,
		itoa(invoiceID)).Scan(&susp, &paid)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		e.T.Fatal(err)
	}
	return susp != 0 && paid != 0 && susp > paid
}

// TestDunning_PaymentDuringSuspension: a payment recorded while dunning is suspending the customer lands either
// before billing decided to suspend (no suspension) or after the suspension was recorded (and lifts it); a customer
// whose invoice is paid is never suspended for it. The test holds the customer's tenancy lock so that dunning stops
// inside its suspension, and pays then.
func TestDunning_PaymentDuringSuspension(t *testing.T) {
	e := newEnv(t, "", true)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	c := e.billedClient(nil, "between", p)
	inv := e.invoices(c)[0]
	e.Clock.Set("2026-01-10")
	var wg sync.WaitGroup
	var runErr, payErr error
	err := e.Ten.LockedAll(ctx, []int64{c.ID}, func(*pgxpool.Conn) error {
		wg.Go(func() { runErr = e.B.Dunning(ctx) })
		e.waitLockWaiter("dunning waiting for the customer's lock")
		wg.Go(func() {
			payErr = e.B.RecordPayment(ctx, e.Admin(), inv.ID, "bank", "50.00", "BETWEEN", e.Clock.Now())
		})
		e.waitFor("the payment recorded or waiting for the invoice", func() bool {
			return e.Count(`SELECT count(*) FROM payments WHERE invoice_id = $1`, inv.ID) > 0 ||
				e.Count(`SELECT count(*) FROM pg_locks WHERE locktype IN ('transactionid', 'tuple') AND NOT granted
					AND (database IS NULL OR database = (SELECT oid FROM pg_database WHERE datname = current_database()))`) > 0
		})
		return nil
	})
	wg.Wait()
	if err != nil || runErr != nil || payErr != nil {
		t.Fatalf("lock %v, dunning %v, payment %v", err, runErr, payErr)
	}
	if suspendedAfterPaid(e, inv.ID) {
		t.Fatal("billing suspended the customer after its invoice was paid")
	}
	e.waitFor("customer not suspended after the payment", func() bool {
		got := e.Reload(c)
		return !got.Suspended() && got.Suspension == store.SuspensionNone
	})
}
