package billing_test

import (
	"context"
	"testing"

	"portal/internal/store"
	"portal/internal/testenv"
)

// TestSubscribe_StartBounded: a subscription starts at most one cycle back and at most a year ahead; a start in
// 1900 would have issued a century of invoices that can never be deleted. A refused start changes nothing: the
// customer keeps the subscription it got when it was created, from that day.
func TestSubscribe_StartBounded(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 1000, 0)
	e.Clock.Set("2026-03-15")
	for _, tc := range []struct {
		cycle, start string
		ok           bool
	}{
		{store.CycleMonthly, "1900-01-01", false},
		{store.CycleMonthly, "2026-02-14", false},
		{store.CycleMonthly, "2026-02-15", true},
		{store.CycleMonthly, "2027-03-15", true},
		{store.CycleMonthly, "2027-03-16", false},
		{store.CycleMonthly, "9999-12-31", false},
		{store.CycleYearly, "2025-03-15", true},
		{store.CycleYearly, "2025-03-14", false},
	} {
		c := e.Customer(store.RoleClient, nil, unique("start"), p)
		err := e.B.SubscribeCustomer(ctx, e.Admin(), c.ID, tc.cycle, tc.start)
		if tc.ok && err != nil {
			t.Fatalf("%s from %s: %v", tc.cycle, tc.start, err)
		}
		if !tc.ok {
			if !fieldErr(err, "start") {
				t.Fatalf("%s from %s: %v, want a field error at start", tc.cycle, tc.start, err)
			}
			if n := e.Count(`SELECT count(*) FROM subscriptions WHERE customer_id = $1 AND cycle = 'monthly'
				AND period_start = '2026-03-15' AND next_due_on = '2026-03-15'`, c.ID); n != 1 {
				t.Fatalf("%s from %s: the subscription from its creation changed after a refused start", tc.cycle, tc.start)
			}
		}
	}
}
