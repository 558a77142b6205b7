package billing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
)

// planLine is the description of a plan's line for a cycle (proration finds lines of old documents by it).
func planLine(plan store.Plan, cycle string) string { return fmt.Sprintf("%s (%s)", plan.Name, cycle) }

// Generate makes the invoices that are due: for every live subscription whose next period starts within its
// issuer's days before, one invoice for that period. It is safe to run twice and at once with itself: the
// subscription row is locked and each period has one invoice (a unique index).
func (s *Service) Generate(ctx context.Context) error {
	ids, err := store.NewBilling(s.pool).DueSubscriptions(ctx, s.today())
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		for range 36 { // catch up at most three years of missed runs per call
			more, err := s.generateOne(ctx, id)
			if err != nil {
				errs = append(errs, fmt.Errorf("billing: subscription %d: %w", id, err))
			}
			if err != nil || !more {
				break
			}
		}
	}
	return errors.Join(errs...)
}

// generateOne invoices the next period of subscription id when it is due; it reports whether it did.
func (s *Service) generateOne(ctx context.Context, id int64) (bool, error) {
	did := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := store.NewBilling(tx)
		sub, err := b.LockSubscription(ctx, id)
		if err != nil || sub.State == store.SubCancelled {
			return err
		}
		c, err := store.NewCustomers(tx).ByID(ctx, sub.CustomerID)
		if err != nil || c.State != store.StateActive {
			return err
		}
		iss, err := b.Issuer(ctx, issuerOf(c), false)
		if err != nil {
			return err
		}
		if sub.NextDueOn.AddDate(0, 0, -iss.DaysBefore).After(s.today()) {
			return nil
		}
		from, to := sub.NextDueOn, addCycle(sub.NextDueOn, sub.Cycle)
		first := sub.PeriodStart.Equal(sub.NextDueOn) && sub.SetupFeeDue // nothing invoiced yet: the setup fee too
		lines, err := s.periodLines(ctx, tx, c, iss.Currency, sub.Cycle, first)
		if err != nil {
			return err
		}
		did = true
		if err := b.SetSubscriptionPlan(ctx, sub.ID, c.PlanID); err != nil {
			return err
		}
		if err := b.AdvanceSubscription(ctx, sub.ID, from, to); err != nil {
			return err
		}
		if len(lines) == 0 { // a free plan: nothing to invoice
			return nil
		}
		d, err := s.newDocument(ctx, tx, iss, c, KindInvoice, lines)
		if err != nil {
			return err
		}
		d.PeriodFrom, d.PeriodTo = from, to
		invID, err := draft(ctx, tx, iss, c, &sub.ID, "renewal", nil, d, from)
		if err != nil {
			return err
		}
		_, err = s.issue(ctx, tx, invID)
		return err
	})
	return did, err
}

// periodLines are the lines of one full period of c's plan: its retail price (and setup fee on the first
// invoice) and, for a reseller, the wholesale price of its plan for each of its subscribed clients.
func (s *Service) periodLines(ctx context.Context, tx pgx.Tx, c store.Customer, currency, cycle string, first bool) ([]Line, error) {
	b := store.NewBilling(tx)
	plan, err := store.NewPlans(tx).ByID(ctx, c.PlanID)
	if err != nil {
		return nil, err
	}
	var lines []Line
	price, err := b.Price(ctx, plan.ID, store.PriceRetail, cycle)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		if err := sameCurrency(price, plan, currency); err != nil {
			return nil, err
		}
		if price.AmountMinor > 0 {
			lines = append(lines, Line{Description: planLine(plan, cycle), Quantity: 1, UnitMinor: price.AmountMinor, PlanID: plan.ID})
		}
		if first && price.SetupFeeMinor > 0 {
			lines = append(lines, Line{Description: "Setup fee: " + plan.Name, Quantity: 1, UnitMinor: price.SetupFeeMinor})
		}
	}
	if c.Kind != store.RoleReseller {
		return lines, nil
	}
	ws, err := s.wholesale(ctx, tx, plan, currency, cycle)
	if err != nil {
		return nil, err
	}
	clients, err := store.NewCustomers(tx).LiveClients(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, cl := range clients {
		if cl.State != store.StateActive {
			continue
		}
		if sub, err := b.SubscriptionOf(ctx, cl.ID, false); errors.Is(err, store.ErrNotFound) || (err == nil && sub.State == store.SubCancelled) {
			continue // not billed, so not charged wholesale either
		} else if err != nil {
			return nil, err
		}
		line, err := ws.line(ctx, tx, cl, cycle)
		if err != nil {
			return nil, err
		}
		if line.UnitMinor > 0 {
			lines = append(lines, line)
		}
	}
	return lines, nil
}

// wholesaleTier is an operator client plan with a wholesale price: what a reseller pays per client whose plan it
// covers.
type wholesaleTier struct {
	plan  store.Plan
	price int64
}

// wholesalePrices is how the operator charges a reseller for its clients, per cycle: each client's plan at the
// wholesale price of the cheapest operator client plan whose limits cover it (the reseller resells that plan's
// worth of hosting), and, for a client plan no priced operator plan covers, the flat per-client wholesale price of
// the reseller's own plan (0: none).
type wholesalePrices struct {
	tiers []wholesaleTier
	flat  int64
	plans map[int64]store.Plan
}

func (s *Service) wholesale(ctx context.Context, tx pgx.Tx, resellerPlan store.Plan, currency, cycle string) (*wholesalePrices, error) {
	b := store.NewBilling(tx)
	w := &wholesalePrices{plans: map[int64]store.Plan{}}
	flat, err := b.Price(ctx, resellerPlan.ID, store.PriceWholesale, cycle)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err == nil {
		if err := sameCurrency(flat, resellerPlan, currency); err != nil {
			return nil, err
		}
		w.flat = flat.AmountMinor
	}
	prices, err := b.Prices(ctx, nil)
	if err != nil {
		return nil, err
	}
	plans, err := store.NewPlans(tx).Owned(ctx, nil, store.RoleClient)
	if err != nil {
		return nil, err
	}
	for _, p := range plans {
		for _, pr := range prices {
			if pr.PlanID != p.ID || pr.Kind != store.PriceWholesale || pr.Cycle != cycle {
				continue
			}
			if err := sameCurrency(pr, p, currency); err != nil {
				return nil, err
			}
			w.tiers = append(w.tiers, wholesaleTier{plan: p, price: pr.AmountMinor})
		}
	}
	slices.SortStableFunc(w.tiers, func(a, b wholesaleTier) int {
		if a.price != b.price {
			return cmp.Compare(a.price, b.price)
		}
		return cmp.Compare(a.plan.ID, b.plan.ID)
	})
	return w, nil
}

// line is the wholesale line of one client of the reseller.
func (w *wholesalePrices) line(ctx context.Context, tx pgx.Tx, cl store.Customer, cycle string) (Line, error) {
	p, ok := w.plans[cl.PlanID]
	if !ok {
		var err error
		if p, err = store.NewPlans(tx).ByID(ctx, cl.PlanID); err != nil {
			return Line{}, err
		}
		w.plans[cl.PlanID] = p
	}
	for _, t := range w.tiers {
		if len(p.Limits.Within(t.plan.Limits)) == 0 {
			return Line{Description: fmt.Sprintf("Wholesale %s: client %s on %s (%s)", t.plan.Name, cl.Name, p.Name, cycle),
				Quantity: 1, UnitMinor: t.price}, nil
		}
	}
	return Line{Description: fmt.Sprintf("Wholesale: %s, client %s (%s)", p.Name, cl.Name, cycle), Quantity: 1, UnitMinor: w.flat}, nil
}

// sameCurrency refuses a price in another currency than the issuer's: its amount would be billed as if it were
// in the issuer's currency.
func sameCurrency(p store.Price, plan store.Plan, currency string) error {
	if p.Currency != currency {
		return fail.Invalid("The plan %s is priced in %s, but invoices are issued in %s; set its prices again.", plan.Name, p.Currency, currency)
	}
	return nil
}

// creditNote issues, in tx, a credit note against inv (locked by the caller) for lines given with positive
// amounts, and settles it: it reduces what inv still owes, and what inv no longer owes (it was paid) goes to the
// buyer's credit balance. A credit note never exceeds what is left of the invoice.
func (s *Service) creditNote(ctx context.Context, tx pgx.Tx, inv store.Invoice, lines []Line) (store.Invoice, error) {
	b := store.NewBilling(tx)
	orig, err := DocumentOf(inv)
	if err != nil {
		return store.Invoice{}, err
	}
	d := Document{Kind: KindCreditNote, Credits: orig.Number, Seller: orig.Seller, Buyer: orig.Buyer,
		Currency: orig.Currency, ReverseCharge: orig.ReverseCharge, PeriodFrom: orig.PeriodFrom, PeriodTo: orig.PeriodTo}
	if orig.ReverseCharge {
		d.Notes = []string{ReverseChargeNote}
	}
	for _, l := range lines {
		l.UnitMinor = -l.UnitMinor
		d.Lines = append(d.Lines, l)
	}
	d.Compute()
	credit := -d.TotalMinor
	if credit <= 0 || credit > inv.TotalMinor-inv.CreditedMinor {
		return store.Invoice{}, fail.Invalid("A credit note can be at most what is left of the invoice (%s).",
			Money{inv.TotalMinor - inv.CreditedMinor, inv.Currency})
	}
	iss, err := b.IssuerByID(ctx, inv.IssuerID)
	if err != nil {
		return store.Invoice{}, err
	}
	c, err := store.NewCustomers(tx).ByID(ctx, inv.CustomerID)
	if err != nil {
		return store.Invoice{}, err
	}
	id, err := draft(ctx, tx, iss, c, inv.SubscriptionID, "credit", &inv.ID, d, s.today())
	if err != nil {
		return store.Invoice{}, err
	}
	cn, err := s.issue(ctx, tx, id)
	if err != nil {
		return cn, err
	}
	reduce := min(credit, inv.Open())
	if rest := credit - reduce; rest > 0 {
		if err := b.AddCredit(ctx, inv.CustomerID, inv.Currency, rest, cn.ID, "credit note "+cn.Number); err != nil {
			return cn, err
		}
	}
	credited := inv.CreditedMinor + credit
	state := inv.State
	var paidAt *time.Time
	switch {
	case credited == inv.TotalMinor:
		state = store.InvoiceVoid
	case inv.TotalMinor-credited-inv.PaidMinor <= 0 && state == store.InvoiceIssued:
		state, paidAt = store.InvoicePaid, ptr(s.Now())
	}
	if err := b.SetInvoiceAmounts(ctx, inv.ID, inv.PaidMinor, credited, state, paidAt); err != nil {
		return cn, err
	}
	if state != inv.State && s.jobs != nil {
		if err := s.enqueueReinstate(ctx, tx, inv.CustomerID); err != nil {
			return cn, err
		}
	}
	return cn, nil
}

func ptr[T any](v T) *T { return &v }

// CreditInvoice issues a credit note for all of an invoice that no credit note corrected yet: an issued invoice
// is never edited, it is cancelled this way. Only its issuer (or an admin) may.
func (s *Service) CreditInvoice(ctx context.Context, a hosting.Actor, invoiceID int64) (store.Invoice, error) {
	return s.credit(ctx, a, invoiceID, func(inv store.Invoice, d Document, _ []int64) ([]Line, error) {
		if inv.CreditedMinor != 0 {
			return nil, fail.Invalid("This invoice was partly credited already; its remaining amount can't be credited as a whole.")
		}
		lines := make([]Line, len(d.Lines))
		for i, l := range d.Lines {
			l.CreditsLine = i + 1
			lines[i] = l
		}
		return lines, nil
	})
}

// CreditLines issues a partial credit note: amounts are net amounts as typed, by the invoice's line index (0-based),
// empty for lines not credited. Each line is credited with its own VAT rate (none under the reverse charge), at
// most the net that earlier credit notes left of it, and the credit note (with VAT) at most what is left of the
// invoice. Only its issuer (or an admin) may.
func (s *Service) CreditLines(ctx context.Context, a hosting.Actor, invoiceID int64, amounts map[int]string) (store.Invoice, error) {
	return s.credit(ctx, a, invoiceID, func(inv store.Invoice, d Document, left []int64) ([]Line, error) {
		errs := fail.Fields{}
		var lines []Line
		for i, l := range d.Lines {
			raw := strings.TrimSpace(amounts[i])
			if raw == "" {
				continue
			}
			field := "line_" + strconv.Itoa(i)
			n, err := ParseMinor(raw, inv.Currency)
			switch {
			case err != nil:
				errs.Add(field, err.Error()+".")
			case n <= 0:
				errs.Add(field, "Enter an amount above zero, or leave it empty.")
			case n > left[i]:
				errs.Add(field, "At most "+Money{left[i], inv.Currency}.String()+" can still be credited on this line.")
			default:
				lines = append(lines, Line{Description: "Credit: " + l.Description, Quantity: 1, UnitMinor: n,
					TaxRateBP: l.TaxRateBP, CreditsLine: i + 1})
			}
		}
		for k := range amounts {
			if k < 0 || k >= len(d.Lines) {
				errs.Add("form", "The invoice has no such line.")
			}
		}
		if len(errs) > 0 {
			return nil, errs.Err()
		}
		if len(lines) == 0 {
			return nil, fail.Field("form", "Enter the amount to credit on at least one line.")
		}
		return lines, nil
	})
}

// credit issues a credit note with the lines pick chooses, given the invoice, its document and the net each of
// its lines still has uncredited.
func (s *Service) credit(ctx context.Context, a hosting.Actor, invoiceID int64, pick func(store.Invoice, Document, []int64) ([]Line, error)) (store.Invoice, error) {
	var cn store.Invoice
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		inv, err := manageable(ctx, tx, a, invoiceID)
		if err != nil {
			return err
		}
		if inv.Kind != store.KindInvoiceDoc {
			return fail.Invalid("A credit note can't be credited.")
		}
		if inv.State == store.InvoiceVoid || inv.CreditedMinor >= inv.TotalMinor {
			return fail.Invalid("This invoice is credited in full already.")
		}
		d, err := DocumentOf(inv)
		if err != nil {
			return err
		}
		notes, err := store.NewBilling(tx).CreditNotesOf(ctx, inv.ID)
		if err != nil {
			return err
		}
		left, err := Uncredited(d, notes)
		if err != nil {
			return err
		}
		lines, err := pick(inv, d, left)
		if err != nil {
			return err
		}
		if cn, err = s.creditNote(ctx, tx, inv, lines); err != nil {
			return err
		}
		return audit(ctx, tx, &a, "invoice.credit", inv.ID, "credit note "+cn.Number)
	})
	return cn, err
}

// Uncredited is the net of each of an invoice's lines (document d) that its credit notes have not corrected yet
// (credit note lines that name no line of it count against none).
func Uncredited(d Document, notes []store.Invoice) ([]int64, error) {
	left := make([]int64, len(d.Lines))
	for i, l := range d.Lines {
		left[i] = l.NetMinor
	}
	for _, n := range notes {
		nd, err := DocumentOf(n)
		if err != nil {
			return nil, err
		}
		for _, l := range nd.Lines {
			if k := l.CreditsLine - 1; k >= 0 && k < len(left) {
				left[k] += l.NetMinor // negative on a credit note
			}
		}
	}
	return left, nil
}

// OnPlanChange prorates a plan change by day, in tx (the transaction that records the new plan, so both happen or
// neither): each invoiced period not over yet is credited for its unused days at the old plan, and the same days are
// charged at the new plan in a new invoice; the subscription's due date stays. Credit the buyer had is applied to
// that invoice, and what is left carries over to the next ones. A customer without subscription is not billed.
func (s *Service) OnPlanChange(ctx context.Context, tx pgx.Tx, customerID, oldPlanID, newPlanID int64) error {
	b := store.NewBilling(tx)
	sub, err := b.SubscriptionOf(ctx, customerID, true)
	if errors.Is(err, store.ErrNotFound) || (err == nil && sub.State == store.SubCancelled) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := store.NewCustomers(tx).ByID(ctx, customerID)
	if err != nil {
		return err
	}
	oldPlan, err := store.NewPlans(tx).ByID(ctx, oldPlanID)
	if err != nil {
		return err
	}
	newPlan, err := store.NewPlans(tx).ByID(ctx, newPlanID)
	if err != nil {
		return err
	}
	today := s.today()
	covering, err := b.CoveringInvoices(ctx, sub.ID, today)
	if err != nil {
		return err
	}
	iss, err := b.Issuer(ctx, issuerOf(c), false)
	if err != nil {
		return err
	}
	newPrice, err := b.Price(ctx, newPlan.ID, store.PriceRetail, sub.Cycle)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err == nil {
		if err := sameCurrency(newPrice, newPlan, iss.Currency); err != nil {
			return err
		}
	}
	// Each period still running (or invoiced in advance) is one cycle ending on its invoices' period end: the
	// old plan's lines are credited for the days left of each invoice, the new plan charged once for the days
	// left of the cycle.
	var ends []time.Time
	for _, inv := range covering {
		if inv.PeriodTo != nil && !slices.ContainsFunc(ends, inv.PeriodTo.Equal) {
			ends = append(ends, *inv.PeriodTo)
		}
	}
	// The last period the subscription went through is charged at the new plan even when the old one cost nothing
	// (no invoice covers it).
	if sub.PeriodStart.Before(sub.NextDueOn) && sub.NextDueOn.After(today) && !slices.ContainsFunc(ends, sub.NextDueOn.Equal) {
		ends = append(ends, sub.NextDueOn)
	}
	for _, to := range ends {
		cycleFrom := subCycle(to, sub.Cycle)
		start := maxDate(today, cycleFrom)
		for _, inv := range covering {
			if inv.PeriodTo == nil || !inv.PeriodTo.Equal(to) || inv.CreditedMinor >= inv.TotalMinor {
				continue
			}
			from := *inv.PeriodFrom
			invStart := maxDate(today, from)
			left, total := int64(days(invStart, to)), int64(days(from, to))
			d, err := DocumentOf(inv)
			if err != nil {
				return err
			}
			var credit []Line
			for _, l := range d.Lines {
				if !oldPlanLine(l, oldPlan, sub.Cycle) {
					continue
				}
				if unused := MulDivHalfUp(l.NetMinor, left, total); unused > 0 {
					credit = append(credit, Line{Description: fmt.Sprintf("Unused time on %s, %s (%d of %d days)",
						planLine(oldPlan, sub.Cycle), span(invStart, to), left, total), Quantity: 1, UnitMinor: unused,
						TaxRateBP: l.TaxRateBP})
				}
			}
			if len(credit) > 0 {
				if _, err := s.creditNote(ctx, tx, inv, credit); err != nil {
					return err
				}
			}
		}
		left, total := int64(days(start, to)), int64(days(cycleFrom, to))
		charge := MulDivHalfUp(newPrice.AmountMinor, left, total)
		if charge == 0 {
			continue
		}
		desc := fmt.Sprintf("%s, %s (%d of %d days)", planLine(newPlan, sub.Cycle), span(start, to), left, total)
		nd, err := s.newDocument(ctx, tx, iss, c, KindInvoice, []Line{{Description: desc, Quantity: 1, UnitMinor: charge, PlanID: newPlan.ID}})
		if err != nil {
			return err
		}
		nd.PeriodFrom, nd.PeriodTo = start, to
		due := today.AddDate(0, 0, iss.PaymentTermsDays)
		if cycleFrom.After(today) {
			due = cycleFrom
		}
		id, err := draft(ctx, tx, iss, c, &sub.ID, "proration", nil, nd, due)
		if err != nil {
			return err
		}
		if _, err := s.issue(ctx, tx, id); err != nil {
			return err
		}
	}
	return b.SetSubscriptionPlan(ctx, sub.ID, newPlan.ID)
}

// oldPlanLine reports whether l charges for plan: by its plan id, or, on a document issued before lines carried
// one, by the plan's line description (which a rename since then defeats; nothing else identifies those lines).
func oldPlanLine(l Line, plan store.Plan, cycle string) bool {
	if l.PlanID != 0 {
		return l.PlanID == plan.ID
	}
	return strings.HasPrefix(l.Description, planLine(plan, cycle))
}

// span is a period [from, to) as printed: its first and last day.
func span(from, to time.Time) string {
	return from.Format(time.DateOnly) + " to " + to.AddDate(0, 0, -1).Format(time.DateOnly)
}

func maxDate(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// signupCycle is the cycle a signup is billed in: monthly when the plan has a monthly price, else yearly.
func signupCycle(ctx context.Context, b store.Billing, planID int64) (store.Price, bool, error) {
	for _, cycle := range []string{store.CycleMonthly, store.CycleYearly} {
		p, err := b.Price(ctx, planID, store.PriceRetail, cycle)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return p, false, err
		}
		if p.AmountMinor > 0 || p.SetupFeeMinor > 0 {
			return p, true, nil
		}
	}
	return store.Price{}, false, nil
}

// PlanPaid reports whether a plan has a retail price: its signups pay their first invoice before provisioning.
func (s *Service) PlanPaid(ctx context.Context, planID int64) (bool, error) {
	_, paid, err := signupCycle(ctx, store.NewBilling(s.pool), planID)
	return paid, err
}

// AwaitSignupPayment issues a new customer's first invoice (the first period and the setup fee) once, with its
// subscription starting today, and reports whether the invoice is still unpaid. A free plan has nothing to pay.
func (s *Service) AwaitSignupPayment(ctx context.Context, customerID int64) (bool, error) {
	wait := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := store.NewBilling(tx)
		c, err := store.NewCustomers(tx).Lock(ctx, customerID)
		if err != nil {
			return err
		}
		var state string
		err = tx.QueryRow(ctx, `SELECT state FROM invoices WHERE customer_id = $1 AND purpose = 'signup'`, customerID).Scan(&state)
		if err == nil {
			wait = state != store.InvoicePaid
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		price, paid, err := signupCycle(ctx, b, c.PlanID)
		if err != nil || !paid {
			return err
		}
		iss, err := b.Issuer(ctx, issuerOf(c), false)
		if err != nil {
			return err
		}
		from := s.today()
		to := addCycle(from, price.Cycle)
		sub, err := b.SubscriptionOf(ctx, c.ID, true)
		if errors.Is(err, store.ErrNotFound) {
			sub, err = b.CreateSubscription(ctx, store.Subscription{CustomerID: c.ID, PlanID: c.PlanID, Cycle: price.Cycle,
				PeriodStart: from, NextDueOn: to})
		}
		if err != nil {
			return err
		}
		if err := b.AdvanceSubscription(ctx, sub.ID, from, to); err != nil {
			return err
		}
		lines, err := s.periodLines(ctx, tx, c, iss.Currency, price.Cycle, true)
		if err != nil || len(lines) == 0 {
			return err
		}
		d, err := s.newDocument(ctx, tx, iss, c, KindInvoice, lines)
		if err != nil {
			return err
		}
		d.PeriodFrom, d.PeriodTo = from, to
		id, err := draft(ctx, tx, iss, c, &sub.ID, "signup", nil, d, from)
		if err != nil {
			return err
		}
		inv, err := s.issue(ctx, tx, id)
		wait = inv.State != store.InvoicePaid
		return err
	})
	return wait, err
}
