package billing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"portal/internal/billing"
	"portal/internal/store"
	"portal/internal/testenv"
)

// TestProration_UpAndDownWithCreditCarried: an upgrade mid-cycle credits the unused days of the paid invoice and
// charges the new plan for them (the credit pays part of it); a downgrade later credits more than the new plan
// costs, and the rest of the credit pays part of the next renewal. The due date never moves.
func TestProration_UpAndDownWithCreditCarried(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	a := e.Plan(nil, store.RoleClient, "A", testenv.Unlimited)
	bp := e.Plan(nil, store.RoleClient, "B", testenv.Unlimited)
	e.price(a, store.PriceRetail, 3000, 0)
	e.price(bp, store.PriceRetail, 6000, 0)
	c := e.Customer(store.RoleClient, nil, unique("prorate"), a)
	e.subscribe(c, "2026-01-01")
	e.run()
	jan := e.invoices(c)[0]
	if jan.TotalMinor != 3000 {
		t.Fatalf("January: %d, want 3000", jan.TotalMinor)
	}
	if err := e.pay(billing.Payment{InvoiceID: jan.ID, Amount: billing.Money{Minor: 3000, Currency: "EUR"}, Provider: "bank", Reference: "P-JAN"}); err != nil {
		t.Fatal(err)
	}

	e.Clock.Set("2026-01-11") // 21 of 31 days left
	if err := e.Ten.ChangePlan(ctx, c.ID, bp.ID); err != nil {
		t.Fatal(err)
	}
	docs := e.invoices(c)
	if len(docs) != 3 {
		t.Fatalf("after the upgrade: %d documents, want invoice, credit note, proration invoice", len(docs))
	}
	cn, up := docs[1], docs[2]
	if cn.Kind != store.KindCreditNote || cn.TotalMinor != -2032 { // 3000*21/31 = 2032.26
		t.Fatalf("credit note: %s %d, want credit_note -2032", cn.Kind, cn.TotalMinor)
	}
	if up.TotalMinor != 4065 || up.PaidMinor != 2032 || up.Open() != 2033 { // 6000*21/31 = 4064.52
		t.Fatalf("upgrade invoice: total %d paid %d open %d, want 4065 2032 2033", up.TotalMinor, up.PaidMinor, up.Open())
	}
	if n := e.credit(c); n != 0 {
		t.Fatalf("credit after the upgrade: %d, want 0", n)
	}
	if err := e.pay(billing.Payment{InvoiceID: up.ID, Amount: billing.Money{Minor: 2033, Currency: "EUR"}, Provider: "bank", Reference: "P-UP"}); err != nil {
		t.Fatal(err)
	}

	e.Clock.Set("2026-01-21") // 11 days left
	if err := e.Ten.ChangePlan(ctx, c.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	docs = e.invoices(c)
	if len(docs) != 5 {
		t.Fatalf("after the downgrade: %d documents, want 5", len(docs))
	}
	cn2, down := docs[3], docs[4]
	if cn2.TotalMinor != -2129 { // 4065*11/21 = 2129.29
		t.Fatalf("downgrade credit note: %d, want -2129", cn2.TotalMinor)
	}
	if down.TotalMinor != 1065 || down.State != store.InvoicePaid { // 3000*11/31 = 1064.52, paid from credit
		t.Fatalf("downgrade invoice: total %d state %s, want 1065 paid", down.TotalMinor, down.State)
	}
	if n := e.credit(c); n != 1064 {
		t.Fatalf("credit carried: %d, want 1064", n)
	}
	sub, _ := store.NewBilling(e.Pool).SubscriptionOf(ctx, c.ID, false)
	if sub.NextDueOn.Format("2006-01-02") != "2026-02-01" || sub.PlanID != a.ID {
		t.Fatalf("subscription: due %s plan %d, want 2026-02-01 and plan A", sub.NextDueOn.Format("2006-01-02"), sub.PlanID)
	}
	e.run() // 21 January is within 14 days of 1 February: the renewal, paid partly from the credit
	docs = e.invoices(c)
	feb := docs[len(docs)-1]
	if feb.TotalMinor != 3000 || feb.PaidMinor != 1064 || feb.Open() != 1936 || e.credit(c) != 0 {
		t.Fatalf("February: total %d paid %d open %d credit %d, want 3000 1064 1936 0", feb.TotalMinor, feb.PaidMinor, feb.Open(), e.credit(c))
	}
}

// TestCreditNote_CancelsExactly: a full credit note is the invoice's exact negative, line by line and in every
// tax line; the invoice becomes void, owes nothing, and numbers stay gapless across both documents.
func TestCreditNote_CancelsExactly(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	e.vat(nil, "DE", 1900)
	p := e.Plan(nil, store.RoleClient, "Odd", testenv.Unlimited)
	e.price(p, store.PriceRetail, 1333, 4999)
	c := e.Customer(store.RoleClient, nil, unique("cn"), p)
	e.subscribe(c, "2026-01-01")
	e.run()
	inv := e.invoices(c)[0]
	cn, err := e.B.CreditInvoice(ctx, e.Admin(), inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := billing.DocumentOf(inv)
	dc, _ := billing.DocumentOf(cn)
	if d.TotalMinor+dc.TotalMinor != 0 || d.TaxMinor+dc.TaxMinor != 0 || d.NetMinor+dc.NetMinor != 0 {
		t.Fatalf("invoice %+v and credit note %+v don't cancel", d, dc)
	}
	for i := range d.Lines {
		if d.Lines[i].NetMinor+dc.Lines[i].NetMinor != 0 || d.Lines[i].TaxMinor+dc.Lines[i].TaxMinor != 0 {
			t.Fatalf("line %d doesn't cancel: %+v vs %+v", i, d.Lines[i], dc.Lines[i])
		}
	}
	if dc.Credits != inv.Number || cn.Number != "INV-000002" {
		t.Fatalf("credit note %s credits %q, want INV-000002 crediting %s", cn.Number, dc.Credits, inv.Number)
	}
	if got := e.invoice(inv.ID); got.State != store.InvoiceVoid || got.Open() != 0 {
		t.Fatalf("invoice after credit: %s open %d, want void 0", got.State, got.Open())
	}
	if _, err := e.B.CreditInvoice(ctx, e.Admin(), inv.ID); err == nil {
		t.Fatal("a second full credit note was accepted")
	}
	// The database refuses edits of an issued document.
	if _, err := e.Pool.Exec(ctx, `UPDATE invoices SET total_minor = 1 WHERE id = $1`, inv.ID); err == nil {
		t.Fatal("UPDATE of an issued invoice's total was accepted")
	}
	if _, err := e.Pool.Exec(ctx, `DELETE FROM invoices WHERE id = $1`, inv.ID); err == nil {
		t.Fatal("DELETE of an issued invoice was accepted")
	}
}

// TestProperty_RandomCarts: over random carts (fixed seeds), each document's lines add up to its tax lines and
// totals exactly, the hash is stable across re-encoding, and a full credit note plus its invoice make zero.
func TestProperty_RandomCarts(t *testing.T) {
	for seed := uint64(1); seed <= 500; seed++ {
		r := rand.New(rand.NewPCG(seed, 42))
		d := billing.Document{Kind: "invoice", Currency: "EUR"}
		rate := []int64{0, 700, 1900, 2000, 2100, 2500, 550, 1}[r.IntN(8)]
		for range 1 + r.IntN(12) {
			d.Lines = append(d.Lines, billing.Line{Description: "x", Quantity: 1 + r.Int64N(50), UnitMinor: r.Int64N(1_000_000), TaxRateBP: rate + int64(r.IntN(2))*100})
		}
		d.Compute()
		var net, tax int64
		for _, l := range d.Lines {
			net += l.NetMinor
			tax += l.TaxMinor
		}
		var tlNet, tlTax int64
		for _, tl := range d.TaxLines {
			tlNet += tl.NetMinor
			tlTax += tl.TaxMinor
		}
		if net != d.NetMinor || tax != d.TaxMinor || tlNet != net || tlTax != tax || d.TotalMinor != net+tax {
			t.Fatalf("seed %d: lines %d+%d, tax lines %d+%d, document %d+%d=%d", seed, net, tax, tlNet, tlTax, d.NetMinor, d.TaxMinor, d.TotalMinor)
		}
		cn := billing.Document{Kind: "credit_note", Currency: "EUR"}
		for _, l := range d.Lines {
			l.UnitMinor = -l.UnitMinor
			cn.Lines = append(cn.Lines, l)
		}
		cn.Compute()
		if cn.TotalMinor+d.TotalMinor != 0 || cn.TaxMinor+d.TaxMinor != 0 {
			t.Fatalf("seed %d: credit note %d/%d does not cancel invoice %d/%d", seed, cn.TotalMinor, cn.TaxMinor, d.TotalMinor, d.TaxMinor)
		}
		h := d.Hash()
		var again billing.Document
		if err := jsonRoundTrip(d, &again); err != nil || again.Hash() != h {
			t.Fatalf("seed %d: hash %s changed to %s after re-encoding (%v)", seed, h, again.Hash(), err)
		}
	}
}

// TestConcurrency_SamePaymentTwice: two deliveries of the same payment at the same moment have one effect.
func TestConcurrency_SamePaymentTwice(t *testing.T) {
	e := newEnv(t, "", false)
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	c := e.Customer(store.RoleClient, nil, unique("twice"), p)
	e.subscribe(c, "2026-01-01")
	e.run()
	inv := e.invoices(c)[0]
	pay := billing.Payment{InvoiceID: inv.ID, Amount: billing.Money{Minor: 5000, Currency: "EUR"}, Provider: "stripe", Reference: "pi_same"}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = e.pay(pay) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := e.invoice(inv.ID)
	if got.PaidMinor != 5000 || got.State != store.InvoicePaid || e.credit(c) != 0 {
		t.Fatalf("after 8 concurrent deliveries: paid %d state %s credit %d, want 5000 paid 0", got.PaidMinor, got.State, e.credit(c))
	}
	if n := e.Count(`SELECT count(*) FROM payments WHERE invoice_id = $1`, inv.ID); n != 1 {
		t.Fatalf("payments: %d, want 1", n)
	}
}

// TestConcurrency_DunningWhilePaying: dunning's suspension and a manual payment recorded at the same moment end
// in one consistent state however they interleave: paid and, once the reinstate job ran, not suspended; and billing
// never suspends the customer after the payment was recorded.
func TestConcurrency_DunningWhilePaying(t *testing.T) {
	e := newEnv(t, "", true)
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	for round := range 4 {
		c := e.Customer(store.RoleClient, nil, unique("race"), p)
		e.Clock.Set("2026-01-01")
		e.subscribe(c, "2026-01-01")
		e.run()
		inv := e.invoices(c)[0]
		e.Clock.Set("2026-01-10")
		var wg sync.WaitGroup
		var runErr, payErr error
		wg.Go(func() { runErr = e.B.Dunning(context.Background()) })
		wg.Go(func() {
			payErr = e.B.RecordPayment(context.Background(), e.Admin(), inv.ID, "bank", "50.00", "RACE-"+string(rune('A'+round)), e.Clock.Now())
		})
		wg.Wait()
		if runErr != nil || payErr != nil {
			t.Fatalf("round %d: dunning %v, payment %v", round, runErr, payErr)
		}
		if got := e.invoice(inv.ID); got.State != store.InvoicePaid {
			t.Fatalf("round %d: invoice %s, want paid", round, got.State)
		}
		if suspendedAfterPaid(e, inv.ID) {
			t.Fatalf("round %d: billing suspended the customer after its invoice was paid", round)
		}
		e.waitFor("customer not suspended after the payment", func() bool {
			got := e.Reload(c)
			return !got.Suspended() && got.Suspension == store.SuspensionNone
		})
		e.waitFor("subscription active", func() bool {
			sub, _ := store.NewBilling(e.Pool).SubscriptionOf(context.Background(), c.ID, false)
			return sub.State == store.SubActive
		})
	}
}

// TestDunning_NotWhilePending: a pending provider payment holds the suspension; once it is cleared, dunning
// suspends.
func TestDunning_NotWhilePending(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	c := e.Customer(store.RoleClient, nil, unique("pending"), p)
	e.subscribe(c, "2026-01-01")
	e.run()
	inv := e.invoices(c)[0]
	tx := func(fn func(tx pgx.Tx) error) {
		if err := pgx.BeginFunc(ctx, e.Pool, fn); err != nil {
			t.Fatal(err)
		}
	}
	tx(func(tx pgx.Tx) error { return e.B.MarkPaymentPending(ctx, tx, inv.ID, "stripe", "cs_1") })
	e.Clock.Set("2026-01-20")
	e.run()
	if e.Reload(c).Suspended() {
		t.Fatal("suspended while a payment was pending")
	}
	tx(func(tx pgx.Tx) error { return e.B.ClearPaymentPending(ctx, tx, inv.ID, "stripe", "cs_1") })
	e.run()
	if got := e.Reload(c); got.SuspendedBy != store.SuspendedByBilling {
		t.Fatalf("after the pending payment failed: suspended by %q, want billing", got.SuspendedBy)
	}
	// A reseller can't lift billing's suspension; billing doesn't lift an admin's.
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByReseller); err == nil {
		t.Fatal("a reseller lifted billing's suspension")
	}
}

// TestPending_AfterItsPaymentIsNoHold: providers report in any order; a "pending" for a reference already paid
// holds nothing.
func TestPending_AfterItsPaymentIsNoHold(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	c := e.Customer(store.RoleClient, nil, unique("late-pending"), p)
	e.subscribe(c, "2026-01-01")
	e.run()
	inv := e.invoices(c)[0]
	err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		if err := e.B.ApplyPayment(ctx, tx, billing.Payment{InvoiceID: inv.ID, Amount: billing.Money{Minor: 100, Currency: inv.Currency},
			Provider: "stripe", Reference: "cs_late", PaidAt: e.Clock.Now()}); err != nil {
			return err
		}
		return e.B.MarkPaymentPending(ctx, tx, inv.ID, "stripe", "cs_late")
	})
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := store.NewBilling(e.Pool).HasPending(ctx, inv.ID); err != nil || pending {
		t.Fatalf("pending after the same reference was paid: %v, %v", pending, err)
	}
}

// TestTax_ReverseChargeAndVATFormat: a buyer in another EU country with a well-formed VAT id pays no VAT and the
// document carries the legal wording; a malformed id is taxed normally.
func TestTax_ReverseChargeAndVATFormat(t *testing.T) {
	for _, tc := range []struct {
		country, vat string
		reverse      bool
	}{{"FR", "FR12345678901", true}, {"FR", "FR123", false}, {"DE", "DE123456789", false}, {"AT", "ATU12345678", true},
		{"GR", "EL123456789", true}, {"US", "12-345", false}} {
		if got := billing.ReverseCharge("DE", tc.country, billing.NormalizeVATID(tc.vat)); got != tc.reverse {
			t.Errorf("DE → %s %s: reverse charge %v, want %v", tc.country, tc.vat, got, tc.reverse)
		}
	}
	e := newEnv(t, "", false)
	ctx := context.Background()
	e.vat(nil, "DE", 1900)
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 10000, 0)
	c := e.Customer(store.RoleClient, nil, unique("rc"), p)
	if err := e.B.SaveProfile(ctx, e.As(c), c.ID, billing.ProfileInput{LegalName: "Acme SARL", Address: "1 rue X", Country: "fr", VATID: "fr 12 345 678 901"}); err != nil {
		t.Fatal(err)
	}
	if err := e.B.SaveProfile(ctx, e.As(c), c.ID, billing.ProfileInput{Country: "FR", VATID: "FR1"}); err == nil {
		t.Fatal("a malformed VAT id was accepted")
	}
	e.subscribe(c, "2026-01-01")
	e.run()
	d, _ := billing.DocumentOf(e.invoices(c)[0])
	if !d.ReverseCharge || d.TaxMinor != 0 || d.TotalMinor != 10000 || !strings.Contains(strings.Join(d.Notes, " "), "Article 196") {
		t.Fatalf("reverse-charge document: %+v", d)
	}
}

// TestWholesale_OperatorBillsResellerPerClient: the operator's invoice to a reseller carries the reseller plan's
// retail fee and one wholesale line per billed client; the reseller's own invoices to its clients are issued in
// its name with its own number series.
func TestWholesale_OperatorBillsResellerPerClient(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	rp := e.Plan(nil, store.RoleReseller, "Reseller M", testenv.Unlimited)
	e.price(rp, store.PriceRetail, 5000, 0)
	e.price(rp, store.PriceWholesale, 300, 0)
	r := e.Customer(store.RoleReseller, nil, unique("ws-r"), rp)
	cp := e.Plan(&r, store.RoleClient, "Client S", testenv.Unlimited)
	e.price(cp, store.PriceRetail, 900, 0)
	b := store.NewBilling(e.Pool)
	iss, _ := b.Issuer(ctx, &r.ID, false)
	iss.LegalName, iss.NumberPrefix = "Reseller Ltd", "RS-"
	if err := b.SaveIssuer(ctx, iss); err != nil {
		t.Fatal(err)
	}
	c1 := e.Customer(store.RoleClient, &r, unique("ws-c1"), cp)
	c2 := e.Customer(store.RoleClient, &r, unique("ws-c2"), cp)
	c3 := e.Customer(store.RoleClient, &r, unique("ws-c3"), cp) // its billing cancelled: no wholesale line either
	if _, err := e.Pool.Exec(ctx, `UPDATE subscriptions SET state = 'cancelled' WHERE customer_id = $1`, c3.ID); err != nil {
		t.Fatal(err)
	}
	e.subscribe(c1, "2026-01-01")
	e.subscribe(c2, "2026-01-01")
	e.subscribe(r, "2026-01-01")
	e.run()
	bill := e.invoices(r)
	if len(bill) != 1 {
		t.Fatalf("reseller's bills: %d, want 1", len(bill))
	}
	d, _ := billing.DocumentOf(bill[0])
	if len(d.Lines) != 3 || d.TotalMinor != 5600 || bill[0].IssuerResellerID != nil {
		t.Fatalf("wholesale bill: %d lines total %d issuer %v, want 3 lines 5600 from the operator", len(d.Lines), d.TotalMinor, bill[0].IssuerResellerID)
	}
	ci := e.invoices(c1)[0]
	cd, _ := billing.DocumentOf(ci)
	if cd.Seller.Name != "Reseller Ltd" || ci.Number != "RS-000001" || *ci.IssuerResellerID != r.ID {
		t.Fatalf("client invoice: seller %q number %s, want Reseller Ltd RS-000001", cd.Seller.Name, ci.Number)
	}
	if bill[0].Number != "INV-000001" {
		t.Fatalf("operator's number %s, want INV-000001 (its own series)", bill[0].Number)
	}
}

// TestNumbers_GaplessUnderConcurrency: many invoices issued at once by one issuer get consecutive numbers, and the
// stored hash is the hash of the stored document (stable across decoding and re-encoding, as every re-render does).
func TestNumbers_GaplessUnderConcurrency(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 1234, 0)
	const n = 12
	for range n {
		c := e.Customer(store.RoleClient, nil, unique("gap"), p)
		e.subscribe(c, "2026-01-01")
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := e.B.Generate(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	rows, _ := e.Pool.Query(ctx, `SELECT number FROM invoices ORDER BY number`)
	nums, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(nums) != n {
		t.Fatalf("%d invoices from 4 concurrent runs over %d subscriptions, want %d", len(nums), n, n)
	}
	for i, num := range nums {
		if want := fmt.Sprintf("INV-%06d", i+1); num != want {
			t.Fatalf("number %d is %s, want %s (gapless)", i, num, want)
		}
	}
	rows, _ = e.Pool.Query(ctx, `SELECT id FROM invoices`)
	ids, _ := pgx.CollectRows(rows, pgx.RowTo[int64])
	for _, id := range ids {
		inv := e.invoice(id)
		d, err := billing.DocumentOf(inv)
		if err != nil || d.Hash() != inv.Hash {
			t.Fatalf("invoice %d: stored hash %s, document hashes to %s (%v)", id, inv.Hash, d.Hash(), err)
		}
		if d2, _ := billing.DocumentOf(e.invoice(id)); d2.Hash() != inv.Hash {
			t.Fatalf("invoice %d: hash changed on a second read", id)
		}
	}
}

// TestDunning_EachStepOnce: reminders before and after the due date are each recorded and mailed once however
// often the job runs; termination, when enabled, cancels the subscription once.
func TestDunning_EachStepOnce(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	b := store.NewBilling(e.Pool)
	iss, _ := b.Issuer(ctx, nil, false)
	iss.TerminateEnabled = true
	if err := b.SaveIssuer(ctx, iss); err != nil {
		t.Fatal(err)
	}
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	e.price(p, store.PriceRetail, 5000, 0)
	c := e.Customer(store.RoleClient, nil, unique("dun"), p)
	e.subscribe(c, "2026-01-20")
	reminders := func() int {
		return e.Count(`SELECT count(*) FROM outbox WHERE kind = 'invoice_reminder' AND customer_id = $1`, c.ID)
	}
	for _, step := range []struct {
		day  string
		want int
	}{{"2026-01-06", 0}, {"2026-01-13", 1}, {"2026-01-20", 1}, {"2026-01-21", 2}, {"2026-01-22", 2}, {"2026-01-23", 3}, {"2026-01-24", 3}} {
		e.Clock.Set(step.day)
		e.run()
		e.run()
		if n := reminders(); n != step.want {
			t.Fatalf("%s: %d reminders, want %d", step.day, n, step.want)
		}
	}
	e.Clock.Set("2026-02-19") // 30 days late
	e.run()
	e.run()
	sub, _ := b.SubscriptionOf(ctx, c.ID, false)
	if sub.State != store.SubCancelled || e.Count(`SELECT count(*) FROM dunning_steps WHERE step = 'terminate'`) != 1 {
		t.Fatalf("30 days late: subscription %s, want cancelled once", sub.State)
	}
	if got := e.Reload(c); got.SuspendedBy != store.SuspendedByBilling {
		t.Fatalf("a terminated customer is suspended by %q, want billing", got.SuspendedBy)
	}
	before := len(e.invoices(c))
	e.Clock.Set("2026-04-10")
	e.run()
	if n := len(e.invoices(c)); n != before {
		t.Fatalf("a cancelled subscription got %d more invoices, want none", n-before)
	}
}

// TestProperty_IssuedAndCredited: random prices, setup fees and VAT rates (fixed seeds) through the real issuing
// path: every stored document's lines add up to its stored totals, and its full credit note plus the invoice is
// zero in net, tax and total.
func TestProperty_IssuedAndCredited(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	for i := range 20 {
		e.vat(nil, "DE", []int64{0, 700, 1900, 2100, 2550}[r.IntN(5)])
		p := e.Plan(nil, store.RoleClient, fmt.Sprintf("rnd %d", i), testenv.Unlimited)
		e.price(p, store.PriceRetail, 1+r.Int64N(100_000), r.Int64N(20_000))
		c := e.Customer(store.RoleClient, nil, unique("rnd"), p)
		e.subscribe(c, "2026-01-01")
		e.run()
		inv := e.invoices(c)[0]
		cn, err := e.B.CreditInvoice(ctx, e.Admin(), inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []store.Invoice{inv, cn} {
			d, _ := billing.DocumentOf(x)
			var net, tax int64
			for _, l := range d.Lines {
				net += l.NetMinor
				tax += l.TaxMinor
			}
			if net != x.NetMinor || tax != x.TaxMinor || net+tax != x.TotalMinor {
				t.Fatalf("case %d %s: lines %d+%d, stored %d+%d=%d", i, x.Number, net, tax, x.NetMinor, x.TaxMinor, x.TotalMinor)
			}
		}
		if inv.NetMinor+cn.NetMinor != 0 || inv.TaxMinor+cn.TaxMinor != 0 || inv.TotalMinor+cn.TotalMinor != 0 {
			t.Fatalf("case %d: invoice %d/%d/%d and credit note %d/%d/%d don't cancel", i, inv.NetMinor, inv.TaxMinor,
				inv.TotalMinor, cn.NetMinor, cn.TaxMinor, cn.TotalMinor)
		}
	}
}

// TestProration_FromFreePlan: moving from a free plan to a paid one mid-cycle charges the paid plan's days left,
// though no invoice covered the free period.
func TestProration_FromFreePlan(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	free := e.Plan(nil, store.RoleClient, "Free", testenv.Unlimited)
	paid := e.Plan(nil, store.RoleClient, "Paid", testenv.Unlimited)
	e.price(paid, store.PriceRetail, 3100, 0)
	c := e.Customer(store.RoleClient, nil, unique("free"), free)
	e.subscribe(c, "2026-01-01")
	e.run()
	if n := len(e.invoices(c)); n != 0 {
		t.Fatalf("a free plan got %d invoices", n)
	}
	e.Clock.Set("2026-01-22") // 10 of 31 days left
	if err := e.Ten.ChangePlan(ctx, c.ID, paid.ID); err != nil {
		t.Fatal(err)
	}
	invs := e.invoices(c)
	if len(invs) != 1 || invs[0].TotalMinor != 1000 {
		t.Fatalf("after the upgrade: %d invoices, want one over 1000 (3100*10/31)", len(invs))
	}
}
