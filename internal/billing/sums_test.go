package billing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"portal/internal/billing"
	"portal/internal/store"
	"portal/internal/testenv"
)

// TestInvoiceSums_FollowBillingAndFold: the invoice list's totals, read from the invoice sums, agree with the
// documents summed one by one (a date filter spanning them all) through the billing service's own writes (a
// billing run issuing invoices, a payment in part and one in full, a credit note), and the fold_invoice_sums job,
// run by river as registered by AddWorkers, takes every pending change in without moving a total.
func TestInvoiceSums_FollowBillingAndFold(t *testing.T) {
	e := newEnv(t, "", true)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 3000, 500)
	var cs []store.Customer
	for _, n := range []string{"sums-a", "sums-b", "sums-c"} {
		c := e.Customer(store.RoleClient, nil, unique(n), p)
		e.subscribe(c, "2026-01-01")
		cs = append(cs, c)
	}
	e.run()
	since := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	agree := func(when string) string {
		t.Helper()
		sums, err := e.B.Invoices(ctx, e.Admin(), store.InvoiceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		live, err := e.B.Invoices(ctx, e.Admin(), store.InvoiceFilter{From: &since})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sums.Totals) != fmt.Sprint(live.Totals) || len(live.Totals) == 0 {
			t.Fatalf("%s: totals %v; the documents sum to %v", when, sums.Totals, live.Totals)
		}
		return fmt.Sprint(sums.Totals)
	}
	agree("issued")
	if err := e.B.RecordPayment(ctx, e.Admin(), e.invoices(cs[0])[0].ID, "bank", "10.00", "part", e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.B.RecordPayment(ctx, e.Admin(), e.invoices(cs[1])[0].ID, "bank", "35.00", "full", e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.B.CreditInvoice(ctx, e.Admin(), e.invoices(cs[2])[0].ID); err != nil {
		t.Fatal(err)
	}
	before := agree("paid and credited")

	if _, err := e.Jobs.Insert(ctx, billing.FoldSumsArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	pending := -1
	for deadline := time.Now().Add(20 * time.Second); pending != 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := e.Pool.QueryRow(ctx, `SELECT count(*) FROM invoice_sum_changes`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
	}
	if pending != 0 {
		t.Fatalf("%d changes still pending after the fold job", pending)
	}
	if after := agree("folded"); after != before {
		t.Fatalf("folding moved the totals: %s, then %s", before, after)
	}
}
