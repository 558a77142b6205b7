package billing_test

import (
	"context"
	"testing"

	"portal/internal/store"
	"portal/internal/testenv"
)

// TestDunning_SuspensionByOthersDoesNotCountAsBillings: a customer that someone else had suspended (its reseller,
// or an admin) when dunning came to suspend it is not marked as suspended by billing; once that suspension is
// lifted, the next run suspends it for the unpaid invoice.
func TestDunning_SuspensionByOthersDoesNotCountAsBillings(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, unique("other-r"))
	rp := e.Plan(&r, store.RoleClient, "RP", testenv.Unlimited)
	e.price(rp, store.PriceRetail, 5000, 0)
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	for _, tc := range []struct {
		by       string
		reseller *store.Customer
		plan     store.Plan
	}{
		{store.SuspendedByReseller, &r, rp},
		{store.SuspendedByAdmin, nil, p},
	} {
		e.Clock.Set("2026-01-01")
		c := e.Customer(store.RoleClient, tc.reseller, unique("other-"+tc.by), tc.plan)
		e.subscribe(c, "2026-01-01")
		e.run()
		if len(e.invoices(c)) != 1 {
			t.Fatalf("%s: %d invoices, want 1", tc.by, len(e.invoices(c)))
		}
		if err := e.Ten.SetSuspended(ctx, c.ID, true, tc.by); err != nil {
			t.Fatal(err)
		}
		e.Clock.Set("2026-01-10")
		e.run()
		if got := e.Reload(c); got.SuspendedBy != tc.by {
			t.Fatalf("%s: suspended by %q after dunning, want still %q", tc.by, got.SuspendedBy, tc.by)
		}
		if err := e.Ten.SetSuspended(ctx, c.ID, false, tc.by); err != nil {
			t.Fatal(err)
		}
		e.run()
		if got := e.Reload(c); !got.SuspendedSelf || got.SuspendedBy != store.SuspendedByBilling {
			t.Fatalf("%s: after the other suspension was lifted: suspended %v by %q, want billing's", tc.by, got.SuspendedSelf, got.SuspendedBy)
		}
		sub, _ := store.NewBilling(e.Pool).SubscriptionOf(ctx, c.ID, false)
		if sub.State != store.SubSuspended {
			t.Fatalf("%s: subscription %s, want suspended", tc.by, sub.State)
		}
	}
}
