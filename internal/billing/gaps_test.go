package billing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/billing"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/testenv"
)

const strongPassword = "correct horse battery staple 42"

// TestSubscription_EveryCustomer: every customer has a subscription from the transaction that creates it, whoever
// creates it (an admin, a reseller, tenancy's lifecycle directly): monthly from today, or yearly when its plan is
// priced yearly only. A customer left without one (created before this rule) gets one from the next run, once.
func TestSubscription_EveryCustomer(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	e.Clock.Set("2026-02-10")
	monthly := e.Plan(nil, store.RoleClient, "Monthly", testenv.Unlimited)
	e.price(monthly, store.PriceRetail, 1000, 500)
	r := e.Customer(store.RoleReseller, nil, unique("every-r"))
	yearly := e.Plan(&r, store.RoleClient, "Yearly", testenv.Unlimited)
	if err := store.NewBilling(e.Pool).SetPrice(ctx, store.Price{PlanID: yearly.ID, Kind: store.PriceRetail,
		Cycle: store.CycleYearly, Currency: "EUR", AmountMinor: 12000}); err != nil {
		t.Fatal(err)
	}
	byAdmin, err := e.Ten.CreateCustomer(ctx, e.Admin(), store.RoleClient, tenancy.CustomerDraft{Name: "By Admin",
		Email: unique("by-admin"), Username: "byadmin", Access: "password", Password: strongPassword, PlanID: itoa(monthly.ID)})
	if err != nil {
		t.Fatal(err)
	}
	byReseller, err := e.Ten.CreateCustomer(ctx, e.As(r), store.RoleClient, tenancy.CustomerDraft{Name: "By Reseller",
		Email: unique("by-reseller"), Username: "byreseller", Access: "password", Password: strongPassword, PlanID: itoa(yearly.ID)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c     store.Customer
		cycle string
	}{{r, store.CycleMonthly}, {byAdmin, store.CycleMonthly}, {byReseller, store.CycleYearly}} {
		sub, err := store.NewBilling(e.Pool).SubscriptionOf(ctx, tc.c.ID, false)
		if err != nil {
			t.Fatalf("customer %s: %v", tc.c.Name, err)
		}
		if sub.Cycle != tc.cycle || sub.PlanID != tc.c.PlanID || sub.State != store.SubActive ||
			sub.PeriodStart.Format("2006-01-02") != "2026-02-10" || !sub.NextDueOn.Equal(sub.PeriodStart) {
			t.Fatalf("customer %s: subscription %+v, want %s on its plan from 2026-02-10", tc.c.Name, sub, tc.cycle)
		}
	}

	// One from before the rule: the run subscribes it, and a second run changes nothing.
	old := e.Customer(store.RoleClient, nil, unique("every-old"), monthly)
	if _, err := e.Pool.Exec(ctx, `DELETE FROM subscriptions WHERE customer_id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set("2026-02-11")
	e.run()
	e.run()
	if n := e.Count(`SELECT count(*) FROM subscriptions WHERE customer_id = $1 AND period_start = '2026-02-11'`, old.ID); n != 1 {
		t.Fatalf("the customer without a subscription has %d from the run, want 1", n)
	}
	if n := e.Count(`SELECT count(*) FROM invoices WHERE customer_id = $1 AND state = 'issued'`, old.ID); n != 1 {
		t.Fatalf("the backfilled customer has %d invoices after two runs, want 1", n)
	}
	// It was set up before billing existed: its first invoice is the period alone, no setup fee. A customer
	// created now pays the fee with its first period.
	for _, tc := range []struct {
		c    store.Customer
		want int64
	}{{old, 1000}, {byAdmin, 1500}} {
		if n := e.Count(`SELECT count(*) FROM invoices WHERE customer_id = $1 AND state = 'issued' AND net_minor = $2`, tc.c.ID, tc.want); n != 1 {
			t.Errorf("customer %s: no first invoice of %d minor units net", tc.c.Name, tc.want)
		}
	}
	if n := e.Count(`SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.id)`); n != 0 {
		t.Fatalf("%d customers without a subscription", n)
	}
}

// TestPlanChange_BillingRefusalLeavesISPConfig: billing's refusal of a plan change (a price in another currency
// than the issuer's) is known before ISPConfig is asked, so the client's limits there stay the old plan's; an
// accepted change writes them.
func TestPlanChange_BillingRefusalLeavesISPConfig(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	small := testenv.Unlimited
	small.MaxSites = 5
	p := e.Plan(nil, store.RoleClient, "Five", small)
	e.price(p, store.PriceRetail, 1000, 0)
	c := e.billedClient(nil, "drift", p)
	usd := small
	usd.MaxSites = 9
	q := e.Plan(nil, store.RoleClient, "Nine in USD", usd)
	if err := store.NewBilling(e.Pool).SetPrice(ctx, store.Price{PlanID: q.ID, Kind: store.PriceRetail, Cycle: store.CycleMonthly,
		Currency: "USD", AmountMinor: 1000}); err != nil {
		t.Fatal(err)
	}
	limit := func() string {
		t.Helper()
		row := e.Sim.Row("client", int(*e.Reload(c).ISPClientID))
		if row == nil {
			t.Fatal("no client in ISPConfig")
		}
		return row["limit_web_domain"]
	}
	if got := limit(); got != "5" {
		t.Fatalf("ISPConfig's limit before: %s, want 5", got)
	}
	e.Clock.Set("2026-01-11")
	if err := e.Ten.ChangePlan(ctx, c.ID, q.ID); err == nil {
		t.Fatal("billing did not refuse the plan priced in another currency")
	}
	if got := limit(); got != "5" {
		t.Fatalf("ISPConfig's limit after billing refused the change: %s, want still 5", got)
	}
	if got := e.Reload(c); got.PlanID != p.ID {
		t.Fatalf("plan after the refusal: %d, want %d", got.PlanID, p.ID)
	}
	seven := small
	seven.MaxSites = 7
	ok := e.Plan(nil, store.RoleClient, "Seven", seven)
	e.price(ok, store.PriceRetail, 2000, 0)
	if err := e.Ten.ChangePlan(ctx, c.ID, ok.ID); err != nil {
		t.Fatal(err)
	}
	if got := limit(); got != "7" {
		t.Fatalf("ISPConfig's limit after an accepted change: %s, want 7", got)
	}
	if n := e.Count(`SELECT count(*) FROM invoices WHERE customer_id = $1 AND purpose = 'proration'`, c.ID); n != 1 {
		t.Fatalf("%d proration invoices after one accepted change (the check's were rolled back), want 1", n)
	}
	if n := e.Count(`SELECT count(*) FROM invoices WHERE customer_id = $1 AND kind = 'credit_note'`, c.ID); n != 1 {
		t.Fatalf("%d credit notes after one accepted change, want 1", n)
	}
}

// TestDunning_SuspensionTakesTheCustomerLock: billing decides and records a suspension holding tenancy's customer
// lock, as every other suspension does: while someone else holds it (an object write, a plan change), nothing is
// recorded; once it is released, the suspension is.
func TestDunning_SuspensionTakesTheCustomerLock(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.pricedPlan("P", 5000)
	c := e.billedClient(nil, "locked", p)
	e.Clock.Set("2026-01-10")
	var wg sync.WaitGroup
	var runErr error
	err := e.Ten.Locked(ctx, c.ID, func(*pgxpool.Conn) error {
		wg.Go(func() { runErr = e.B.Dunning(ctx) })
		e.waitLockWaiter("dunning waiting for the customer's lock")
		if got := e.Reload(c); got.SuspendedSelf {
			return fmt.Errorf("suspension recorded while another operation held the customer's lock")
		}
		return nil
	})
	wg.Wait()
	if err != nil || runErr != nil {
		t.Fatalf("lock: %v, dunning: %v", err, runErr)
	}
	if got := e.Reload(c); !got.SuspendedSelf || got.SuspendedBy != store.SuspendedByBilling {
		t.Fatalf("after the lock was released: suspended %v by %q, want billing's", got.SuspendedSelf, got.SuspendedBy)
	}
}

// TestDunning_TerminationDeprovisions: with termination enabled, an invoice unpaid for the issuer's termination days
// deletes the customer through tenancy's deletion (its site and client gone from ISPConfig, its sign-in gone, a
// tombstone left), cancels its subscription and audits it; running dunning again does nothing more. Off (the
// default), the customer stays.
func TestDunning_TerminationDeprovisions(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.pricedPlan("P", 5000)
	kept := e.billedClient(nil, "kept", p)
	e.Clock.Set("2026-02-05")
	e.run()
	if got := e.Reload(kept); got.State != store.StateActive {
		t.Fatalf("termination off: customer %s, want active", got.State)
	}

	iss, err := store.NewBilling(e.Pool).Issuer(ctx, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	iss.TerminateEnabled, iss.TerminateAfterDays = true, 30
	if err := store.NewBilling(e.Pool).SaveIssuer(ctx, iss); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set("2026-01-01")
	rp := e.Plan(nil, store.RoleReseller, "R", testenv.Unlimited)
	e.price(rp, store.PriceRetail, 5000, 0)
	r := e.Customer(store.RoleReseller, nil, unique("term-r"), rp)
	e.Customer(store.RoleClient, &r, unique("term-rc"))
	c := e.billedClient(nil, "terminated", p)
	site := newSite(e, c, "terminated.example.test", true)
	var siteISP, clientISP int
	if err := e.Pool.QueryRow(ctx, `SELECT s.isp_id, c.isp_client_id FROM sites s JOIN customers c ON c.id = s.customer_id
		WHERE s.id = $1`, site).Scan(&siteISP, &clientISP); err != nil {
		t.Fatal(err)
	}
	inv := e.invoices(c)[0]
	e.Clock.Set("2026-01-30") // 29 days after the due date: suspended, not terminated
	e.run()
	if got := e.Reload(c); got.State != store.StateActive || !got.SuspendedSelf {
		t.Fatalf("day 29: state %s suspended %v, want active and suspended", got.State, got.SuspendedSelf)
	}
	e.Clock.Set("2026-01-31")
	e.run()
	got := e.Reload(c)
	if got.State != store.StateDeleted {
		t.Fatalf("day 30: customer %s (%s), want deleted", got.State, got.StateDetail)
	}
	if e.Sim.Row("web_domain", siteISP) != nil || e.Sim.Row("client", clientISP) != nil {
		t.Fatal("the site or client is still in ISPConfig after termination")
	}
	if n := e.Count(`SELECT count(*) FROM accounts WHERE customer_id = $1`, c.ID); n != 0 {
		t.Fatalf("%d sign-ins left after termination", n)
	}
	if n := e.Count(`SELECT count(*) FROM subscriptions WHERE customer_id = $1 AND state = 'cancelled'`, c.ID); n != 1 {
		t.Fatal("subscription not cancelled")
	}
	e.run()
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'customer.terminate' AND object_id = $1 AND outcome = 'success'`, itoa(c.ID)); n != 1 {
		t.Fatalf("%d termination audits after two runs, want 1", n)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'invoice.dunning_terminate' AND object_id = $1`, itoa(inv.ID)); n != 1 {
		t.Fatalf("%d dunning termination steps after two runs, want 1", n)
	}
	// A reseller that still has clients: tenancy refuses to delete it, a person decides; audited once.
	if got := e.Reload(r); got.State != store.StateActive {
		t.Fatalf("terminated reseller with a client: %s, want still active (tenancy refuses)", got.State)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'customer.terminate' AND object_id = $1 AND outcome = 'denied'`, itoa(r.ID)); n != 1 {
		t.Fatalf("%d denied termination audits of the reseller after two runs, want 1", n)
	}
	// The invoice stays as issued: the debt is not forgiven by the deletion.
	if got := e.invoice(inv.ID); got.State != store.InvoiceIssued {
		t.Fatalf("invoice %s after termination, want issued", got.State)
	}
}

// TestWholesale_PerClientPlan: the admin prices the operator's client plans wholesale too, and the operator bills
// each reseller client at the wholesale price of the cheapest operator client plan whose limits cover the client's
// plan; a client plan that none covers is billed at the reseller plan's flat wholesale price. A reseller can't set
// wholesale prices on its own plans.
func TestWholesale_PerClientPlan(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	limits := func(sites int) store.Limits {
		l := testenv.Unlimited
		l.MaxSites = sites
		return l
	}
	small := e.Plan(nil, store.RoleClient, "Op Small", limits(5))
	large := e.Plan(nil, store.RoleClient, "Op Large", limits(50))
	rp := e.Plan(nil, store.RoleReseller, "Reseller", testenv.Unlimited)
	for _, x := range []struct {
		plan store.Plan
		in   billing.PlanPricesInput
	}{
		{small, billing.PlanPricesInput{Monthly: "9", WholesaleMonthly: "2"}},
		{large, billing.PlanPricesInput{Monthly: "20", WholesaleMonthly: "5"}},
		{rp, billing.PlanPricesInput{Monthly: "50", WholesaleMonthly: "3"}},
	} {
		if err := e.B.SetPlanPrices(ctx, e.Admin(), x.plan.ID, x.in); err != nil {
			t.Fatalf("prices of %s: %v", x.plan.Name, err)
		}
	}
	r := e.Customer(store.RoleReseller, nil, unique("ws-tier-r"), rp)
	tiny := e.Plan(&r, store.RoleClient, "R Tiny", limits(3))
	mid := e.Plan(&r, store.RoleClient, "R Mid", limits(20))
	huge := e.Plan(&r, store.RoleClient, "R Huge", testenv.Unlimited)
	if err := e.B.SetPlanPrices(ctx, e.As(r), tiny.ID, billing.PlanPricesInput{Monthly: "4", WholesaleMonthly: "1"}); !fieldErr(err, "wholesale_monthly") {
		t.Fatalf("a reseller setting a wholesale price on its own plan: %v, want a field error", err)
	}
	for _, p := range []store.Plan{tiny, mid, huge} {
		e.Customer(store.RoleClient, &r, unique("ws-tier-c"), p)
	}
	e.run()
	bill := e.invoices(r)
	if len(bill) != 1 {
		t.Fatalf("reseller's bills: %d, want 1", len(bill))
	}
	d, _ := billing.DocumentOf(bill[0])
	got := map[string]int64{}
	for _, l := range d.Lines {
		got[l.Description[:min(len(l.Description), 20)]] += l.NetMinor
	}
	want := map[string]int64{"Reseller (monthly)": 5000, "Wholesale Op Small: ": 200, "Wholesale Op Large: ": 500, "Wholesale: R Huge, c": 300}
	if len(d.Lines) != 4 || d.NetMinor != 6000 {
		t.Fatalf("wholesale bill: %d lines net %d (%v), want 4 lines net 6000", len(d.Lines), d.NetMinor, got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("wholesale bill lines %v, want %v", got, want)
		}
	}
}

// TestProperty_PartialCredits: random invoices (price, setup fee, VAT rate; fixed seeds) credited in random partial
// amounts per line through the real path: each credit note's lines add up to its totals, with each line's own VAT
// rate; a line is never credited beyond its net, nor the invoice beyond its total (a refused credit records
// nothing); and a full credit note of an untouched invoice still cancels it exactly.
func TestProperty_PartialCredits(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 5))
	for i := range 12 {
		e.vat(nil, "DE", []int64{0, 700, 1900, 2550}[r.IntN(4)])
		p := e.Plan(nil, store.RoleClient, fmt.Sprintf("partial %d", i), testenv.Unlimited)
		e.price(p, store.PriceRetail, 100+r.Int64N(50_000), 1+r.Int64N(10_000))
		c := e.billedClient(nil, "partial", p)
		inv := e.invoices(c)[0]
		d, _ := billing.DocumentOf(inv)
		credited := make([]int64, len(d.Lines))
		var creditedTotal int64
		for step := range 6 {
			line := r.IntN(len(d.Lines))
			left := d.Lines[line].NetMinor - credited[line]
			amount := 1 + r.Int64N(max(left, 1)+left/4) // sometimes more than is left
			before := e.Count(`SELECT count(*) FROM invoices WHERE credits_invoice_id = $1`, inv.ID)
			cn, err := e.B.CreditLines(ctx, e.Admin(), inv.ID, map[int]string{line: billing.FormatMinor(amount, "EUR")})
			if amount > left || left <= 0 {
				if err == nil {
					t.Fatalf("case %d step %d: credited %d on a line with %d left", i, step, amount, left)
				}
				if n := e.Count(`SELECT count(*) FROM invoices WHERE credits_invoice_id = $1`, inv.ID); n != before {
					t.Fatalf("case %d step %d: a refused credit left a document", i, step)
				}
				continue
			}
			withTax := amount + billing.MulDivHalfUp(amount, d.Lines[line].TaxRateBP, 10000)
			if creditedTotal+withTax > inv.TotalMinor { // the invoice's cap: per-line VAT rounding of the last cents
				if err == nil {
					t.Fatalf("case %d step %d: credited %d with VAT beyond the invoice's %d (credited %d)", i, step, withTax, inv.TotalMinor, creditedTotal)
				}
				continue
			}
			if err != nil {
				t.Fatalf("case %d step %d: credit %d of %d left: %v", i, step, amount, left, err)
			}
			cd, _ := billing.DocumentOf(cn)
			if len(cd.Lines) != 1 || cd.Lines[0].NetMinor != -amount || cd.Lines[0].TaxRateBP != d.Lines[line].TaxRateBP ||
				cd.Lines[0].TaxMinor != billing.MulDivHalfUp(-amount, d.Lines[line].TaxRateBP, 10000) ||
				cn.NetMinor != -amount || cn.TotalMinor != cn.NetMinor+cn.TaxMinor || cn.TaxMinor != cd.Lines[0].TaxMinor {
				t.Fatalf("case %d step %d: credit note %+v does not add up for %d at %d bp", i, step, cd, amount, d.Lines[line].TaxRateBP)
			}
			credited[line] += amount
			creditedTotal -= cn.TotalMinor
			if got := e.invoice(inv.ID); got.CreditedMinor != creditedTotal || got.CreditedMinor > got.TotalMinor {
				t.Fatalf("case %d step %d: invoice credited %d, want %d (at most %d)", i, step, got.CreditedMinor, creditedTotal, got.TotalMinor)
			}
		}
	}
	// A full credit note of an untouched invoice still makes zero with it.
	p := e.Plan(nil, store.RoleClient, "full", testenv.Unlimited)
	e.price(p, store.PriceRetail, 12345, 678)
	c := e.billedClient(nil, "full", p)
	inv := e.invoices(c)[0]
	cn, err := e.B.CreditInvoice(ctx, e.Admin(), inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inv.NetMinor+cn.NetMinor != 0 || inv.TaxMinor+cn.TaxMinor != 0 || inv.TotalMinor+cn.TotalMinor != 0 {
		t.Fatalf("full credit note %d/%d/%d does not cancel %d/%d/%d", cn.NetMinor, cn.TaxMinor, cn.TotalMinor, inv.NetMinor, inv.TaxMinor, inv.TotalMinor)
	}
	if _, err := e.B.CreditLines(ctx, e.Admin(), inv.ID, map[int]string{0: "1"}); err == nil {
		t.Fatal("a partial credit of a fully credited invoice went through")
	}
}
