package billing_test

import (
	"context"
	"testing"

	"portal/internal/billing"
	"portal/internal/store"
	"portal/internal/testenv"
)

// TestResellerRevenue_CreditCountsOnce: money a client paid counts once in its reseller's revenue; credit (from a
// credit note on that payment) applied to a later invoice is not new revenue.
func TestResellerRevenue_CreditCountsOnce(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, unique("rev-r"))
	rp := e.Plan(&r, store.RoleClient, "RP", testenv.Unlimited)
	e.price(rp, store.PriceRetail, 1000, 0)
	c := e.billedClient(&r, "rev-c", rp)
	jan := e.invoices(c)[0]
	if err := e.pay(billing.Payment{InvoiceID: jan.ID, Amount: billing.Money{Minor: 1000, Currency: "EUR"}, Provider: "bank", Reference: "REV-1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.B.CreditInvoice(ctx, e.As(r), jan.ID); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set("2026-01-25")
	e.run()
	docs := e.invoices(c)
	if feb := docs[len(docs)-1]; feb.State != store.InvoicePaid || feb.PaidMinor != 1000 {
		t.Fatalf("February: %s paid %d, want paid 1000 from the credit", feb.State, feb.PaidMinor)
	}
	sum, err := e.B.ResellerSummary(ctx, e.As(r))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Revenue) != 1 || sum.Revenue[0] != (billing.Money{Minor: 1000, Currency: "EUR"}) {
		t.Fatalf("revenue %v, want 10.00 EUR (the one bank payment)", sum.Revenue)
	}
}
