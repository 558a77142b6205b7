package billing

import (
	"context"
	"fmt"
	"time"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
)

// Invoices lists what the actor sees: admins every invoice, a reseller those it issued and its own wholesale
// bills, a client its own. The filter narrows by state, customer and issue date.
func (s *Service) Invoices(ctx context.Context, a hosting.Actor, f store.InvoiceFilter) (store.InvoiceListing, error) {
	switch f.State {
	case "", store.InvoiceIssued, store.InvoicePaid, store.InvoiceVoid:
	default:
		return store.InvoiceListing{}, fail.Field("state", "Choose issued, paid or void.")
	}
	return store.NewBilling(s.pool).Invoices(ctx, a.Scope(), f)
}

// InvoiceView is one invoice with what happened to it.
type InvoiceView struct {
	Invoice     store.Invoice
	Document    Document
	Payments    []store.Payment
	CreditNotes []store.Invoice
	CanManage   bool // its issuer or an admin: record payments, issue credit notes
	CanPay      bool // its buyer, while something is owed
	PayOnline   bool // CanPay, and its issuer takes payments online: "pay now"; otherwise pay by bank transfer
	// Uncredited is, per line of an invoice, the net no credit note corrected yet (what a partial credit note may
	// still credit on it).
	Uncredited []int64
}

// Invoice returns an invoice the actor may see (checked in SQL).
func (s *Service) Invoice(ctx context.Context, a hosting.Actor, id int64) (InvoiceView, error) {
	scope := a.Scope()
	if err := store.Resolve(ctx, s.pool, scope, store.KindInvoice, id); err != nil {
		return InvoiceView{}, err
	}
	b := store.NewBilling(s.pool)
	inv, err := b.Invoice(ctx, id, false)
	if err != nil {
		return InvoiceView{}, err
	}
	v := InvoiceView{Invoice: inv}
	if v.Document, err = DocumentOf(inv); err != nil {
		return v, err
	}
	if v.Payments, err = b.Payments(ctx, id); err != nil {
		return v, err
	}
	if v.CreditNotes, err = b.CreditNotesOf(ctx, id); err != nil {
		return v, err
	}
	if inv.Kind == store.KindInvoiceDoc {
		if v.Uncredited, err = Uncredited(v.Document, v.CreditNotes); err != nil {
			return v, err
		}
	}
	v.CanManage = scope.Role == store.RoleAdmin || (inv.IssuerResellerID != nil && *inv.IssuerResellerID == scope.CustomerID)
	v.CanPay = inv.CustomerID == scope.CustomerID && inv.State == store.InvoiceIssued && inv.Open() > 0
	if v.CanPay && s.PayOnline != nil {
		if v.PayOnline, err = s.PayOnline(ctx, inv.IssuerResellerID); err != nil {
			return v, err
		}
	}
	return v, nil
}

// InvoicePDF renders an invoice the actor may see as PDF, from its frozen document and stored hash.
func (s *Service) InvoicePDF(ctx context.Context, a hosting.Actor, id int64) ([]byte, string, error) {
	v, err := s.Invoice(ctx, a, id)
	if err != nil {
		return nil, "", err
	}
	pdf, err := RenderPDF(v.Document, v.Invoice.Hash)
	if err != nil {
		return nil, "", fmt.Errorf("billing: pdf of invoice %d: %w", id, err)
	}
	return pdf, v.Invoice.Number + ".pdf", nil
}

// Summary is a reseller's billing at a glance: what its clients paid it, what they still owe, and its own bills
// from the operator (the wholesale bill) still open.
type Summary struct {
	Revenue        []Money // paid to it, per currency
	Open           []Money // owed to it
	WholesaleOpen  []Money // it owes the operator
	LastBillID     int64   // the reseller's newest bill from the operator; 0: none yet
	LastBillNumber string
}

// ResellerSummary is the dashboard's billing box for a reseller.
func (s *Service) ResellerSummary(ctx context.Context, a hosting.Actor) (Summary, error) {
	scope := a.Scope()
	if scope.Role != store.RoleReseller || scope.CustomerID == 0 {
		return Summary{}, store.ErrNotFound
	}
	// Revenue is the money received: payments, not what invoices have as paid, which includes credit applied
	// (money received once already, for the invoice a credit note corrected).
	sums, err := store.NewBilling(s.pool).ResellerSums(ctx, scope.CustomerID, providerCredit)
	if err != nil {
		return Summary{}, err
	}
	money := func(in []store.Amount) []Money {
		out := make([]Money, len(in))
		for i, m := range in {
			out[i] = Money{Minor: m.Minor, Currency: m.Currency}
		}
		return out
	}
	return Summary{Revenue: money(sums.Revenue), Open: money(sums.Open), WholesaleOpen: money(sums.WholesaleOpen),
		LastBillID: sums.LastBillID, LastBillNumber: sums.LastBillNumber}, nil
}

// CustomerBilling is the billing box of a customer's page.
type CustomerBilling struct {
	Subscription *store.Subscription
	Profile      store.BillingProfile
	Credit       int64
	Currency     string
}

// CustomerBilling returns the subscription, billing details and credit of the actor's own customer or of one it
// may see.
func (s *Service) CustomerBilling(ctx context.Context, a hosting.Actor, customerID int64) (CustomerBilling, error) {
	b, err := store.NewBilling(s.pool).BillingBox(ctx, a.Scope(), a.Effective.CustomerID, customerID)
	if err != nil {
		return CustomerBilling{}, err
	}
	return CustomerBilling{Subscription: b.Subscription, Profile: b.Profile, Credit: b.Credit, Currency: b.Currency}, nil
}

// selfOrVisible lets an actor at its own customer (a reseller is the buyer of its wholesale bill, which
// Resolve's customer scope, its clients, doesn't cover) or at a customer its scope covers; anything else is not
// found.
func selfOrVisible(ctx context.Context, db store.DBTX, a hosting.Actor, customerID int64) error {
	if own := a.Effective.CustomerID; own != nil && *own == customerID {
		return nil
	}
	return store.Resolve(ctx, db, a.Scope(), store.KindCustomer, customerID)
}

// SubscribeCustomer starts billing a customer the actor may see (admins: any; resellers: their clients) on its
// plan, monthly or yearly, from start (a date, YYYY-MM-DD, from one cycle back to a year ahead; empty: today).
func (s *Service) SubscribeCustomer(ctx context.Context, a hosting.Actor, customerID int64, cycle, start string) error {
	if err := store.Resolve(ctx, s.pool, a.Scope(), store.KindCustomer, customerID); err != nil {
		return err
	}
	if a.Scope().Role == store.RoleClient {
		return store.ErrNotFound
	}
	day := s.today()
	if start != "" {
		t, err := time.Parse(time.DateOnly, start)
		if err != nil {
			return fail.Field("start", "Enter a date as YYYY-MM-DD.")
		}
		// Every period from the start on is invoiced, and issued invoices are never deleted: at most one cycle
		// back (the period running now), at most a year ahead.
		if lo, hi := subCycle(day, cycle), day.AddDate(1, 0, 0); t.Before(lo) || t.After(hi) {
			return fail.Field("start", "Choose a start from %s to %s.", lo.Format(time.DateOnly), hi.Format(time.DateOnly))
		}
		day = t
	}
	_, err := s.Subscribe(ctx, customerID, cycle, day)
	return err
}
