package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"portal/internal/billing"
	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/testenv"
)

// TestFullCycle: the invoice is generated once, the reminder mailed (read back from mailpit), the customer
// suspended when overdue, unsuspended exactly (a site that was off stays off) after a payment, and the same
// payment again changes nothing.
func TestFullCycle(t *testing.T) {
	mp := mailtest.Shared(t)
	e := newEnv(t, mp.SMTPURL, true)
	ctx := context.Background()
	e.vat(nil, "DE", 1900)
	plan := e.Plan(nil, store.RoleClient, "Basic", testenv.Unlimited)
	e.price(plan, store.PriceRetail, 1000, 0)
	email := unique("cycle")
	c := e.Customer(store.RoleClient, nil, email, plan)
	on := newSite(e, c, "on-"+strings.ReplaceAll(strings.Split(email, "@")[0], ".", "")+".test", true)
	off := newSite(e, c, "off-"+strings.ReplaceAll(strings.Split(email, "@")[0], ".", "")+".test", false)
	e.subscribe(c, "2026-01-20")

	e.run() // 1 January: 19 days before the due date, nothing yet
	if n := len(e.invoices(c)); n != 0 {
		t.Fatalf("invoices on 1 January: %d, want 0", n)
	}
	e.Clock.Set("2026-01-06") // 14 days before
	e.run()
	e.run()
	invs := e.invoices(c)
	if len(invs) != 1 {
		t.Fatalf("invoices after two runs on 6 January: %d, want 1", len(invs))
	}
	inv := invs[0]
	if inv.TotalMinor != 1190 || inv.TaxMinor != 190 || inv.State != store.InvoiceIssued || inv.Number != "INV-000001" {
		t.Fatalf("invoice: total %d tax %d state %s number %s, want 1190 190 issued INV-000001", inv.TotalMinor, inv.TaxMinor, inv.State, inv.Number)
	}
	if got := inv.DueOn.Format(time.DateOnly); got != "2026-01-20" {
		t.Fatalf("due on %s, want 2026-01-20", got)
	}

	e.Clock.Set("2026-01-13") // 7 days before: the reminder
	e.run()
	e.run()
	msgs := mp.Wait(email, 2)
	reminders := 0
	for _, m := range msgs {
		if strings.HasPrefix(m.Subject, "Reminder: invoice INV-000001") {
			reminders++
		}
	}
	if reminders != 1 {
		t.Fatalf("reminders in mailpit: %d, want 1 (subjects %v)", reminders, subjects(msgs))
	}

	e.Clock.Set("2026-01-24") // 4 days late: not yet
	e.run()
	if got := e.Reload(c); got.Suspended() {
		t.Fatal("suspended 4 days after the due date, want 5")
	}
	e.Clock.Set("2026-01-25")
	e.run()
	e.run()
	got := e.Reload(c)
	if !got.SuspendedSelf || got.SuspendedBy != store.SuspendedByBilling || got.Suspension != store.SuspensionSuspended {
		t.Fatalf("5 days late: self %v by %q progress %q, want suspended by billing", got.SuspendedSelf, got.SuspendedBy, got.Suspension)
	}
	if a, b := siteActiveInISP(e, on), siteActiveInISP(e, off); a != "n" || b != "n" {
		t.Fatalf("while suspended: sites active %q and %q in ISPConfig, want n and n", a, b)
	}

	pay := billing.Payment{InvoiceID: inv.ID, Amount: billing.Money{Minor: 1190, Currency: "EUR"}, Provider: "bank",
		Reference: "TRANSFER-1", PaidAt: e.Clock.Now()}
	if err := e.pay(pay); err != nil {
		t.Fatal(err)
	}
	// The job lifts the suspension, then marks the subscription active: wait for both.
	e.waitFor("customer unsuspended and subscription active after the payment", func() bool {
		got := e.Reload(c)
		sub, _ := store.NewBilling(e.Pool).SubscriptionOf(ctx, c.ID, false)
		return !got.Suspended() && got.Suspension == store.SuspensionNone && sub.State == store.SubActive
	})
	if a, b := siteActiveInISP(e, on), siteActiveInISP(e, off); a != "y" || b != "n" {
		t.Fatalf("after unsuspension: sites active %q and %q in ISPConfig, want y and n (exactly as before)", a, b)
	}
	if inv := e.invoice(inv.ID); inv.State != store.InvoicePaid || inv.PaidMinor != 1190 {
		t.Fatalf("invoice after payment: %s paid %d, want paid 1190", inv.State, inv.PaidMinor)
	}
	sub, _ := store.NewBilling(e.Pool).SubscriptionOf(ctx, c.ID, false)
	if sub.State != store.SubActive {
		t.Fatalf("subscription %s after payment, want active", sub.State)
	}

	// The same payment reported again: nothing changes.
	if err := e.pay(pay); err != nil {
		t.Fatal(err)
	}
	if n := e.Count(`SELECT count(*) FROM payments WHERE invoice_id = $1`, inv.ID); n != 1 {
		t.Fatalf("payments: %d, want 1", n)
	}
	if inv := e.invoice(inv.ID); inv.PaidMinor != 1190 || e.credit(c) != 0 {
		t.Fatalf("after the repeat: paid %d credit %d, want 1190 and 0", inv.PaidMinor, e.credit(c))
	}
	e.run() // dunning again on a paid invoice: nothing
	if got := e.Reload(c); got.Suspended() {
		t.Fatal("suspended again after payment")
	}
}

func subjects(ms []mailtest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}
