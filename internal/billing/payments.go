package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
)

// Payment is a payment reported by a provider (Stripe) or recorded by the issuer (a bank transfer or cash).
type Payment struct {
	InvoiceID int64
	Amount    Money
	Provider  string // "stripe", "bank", "cash"
	Reference string // the provider's id of the payment: unique per provider
	PaidAt    time.Time
}

// providerCredit is the buyer's credit balance applied to an invoice; only billing itself uses it.
const providerCredit = "credit"

// ApplyPayment records a provider payment against an invoice inside tx (the same transaction that stores the
// provider's event), idempotent per (provider, reference): a second call with the same pair changes nothing.
// It marks the invoice paid when fully paid and then (after commit, via a river job enqueued in tx) unsuspends.
// More than the invoice still owes goes to the buyer's credit balance, as does a payment for a cancelled invoice.
func (s *Service) ApplyPayment(ctx context.Context, tx pgx.Tx, p Payment) error {
	if p.Provider != "stripe" && p.Provider != "bank" && p.Provider != "cash" {
		return fmt.Errorf("billing: unknown payment provider %q", p.Provider)
	}
	return s.applyPayment(ctx, tx, p, nil)
}

func (s *Service) applyPayment(ctx context.Context, tx pgx.Tx, p Payment, by *int64) error {
	if p.Amount.Minor <= 0 {
		return fail.Field("amount", "Enter an amount above zero.")
	}
	if strings.TrimSpace(p.Reference) == "" {
		return fail.Field("reference", "Enter the payment's reference (the bank transfer's or receipt's).")
	}
	b := store.NewBilling(tx)
	inv, err := b.Invoice(ctx, p.InvoiceID, true) // serialises with dunning's check of the same invoice
	if err != nil {
		return err
	}
	if inv.Kind != store.KindInvoiceDoc || inv.State == store.InvoiceDraft {
		return fail.Invalid("Only an issued invoice can be paid.")
	}
	if p.Amount.Currency != inv.Currency {
		return fail.Field("amount", "This invoice is in %s, not %s.", inv.Currency, p.Amount.Currency)
	}
	if p.PaidAt.IsZero() {
		p.PaidAt = s.Now()
	}
	fresh, err := b.InsertPayment(ctx, inv.ID, p.Provider, p.Reference, inv.Currency, p.Amount.Minor, p.PaidAt, by)
	if err != nil || !fresh {
		return err // a payment already recorded changes nothing
	}
	if err := b.SetPending(ctx, inv.ID, p.Provider, p.Reference, false); err != nil {
		return err
	}
	if p.Provider == providerCredit {
		if err := b.AddCredit(ctx, inv.CustomerID, inv.Currency, -p.Amount.Minor, inv.ID, "applied to "+inv.Number); err != nil {
			return err
		}
	}
	apply := min(p.Amount.Minor, inv.Open())
	if rest := p.Amount.Minor - apply; rest > 0 {
		if err := b.AddCredit(ctx, inv.CustomerID, inv.Currency, rest, inv.ID, "paid beyond "+inv.Number); err != nil {
			return err
		}
	}
	paid := inv.PaidMinor + apply
	state := inv.State
	var paidAt *time.Time
	if state == store.InvoiceIssued && inv.TotalMinor-inv.CreditedMinor-paid <= 0 {
		state, paidAt = store.InvoicePaid, &p.PaidAt
	}
	if err := b.SetInvoiceAmounts(ctx, inv.ID, paid, inv.CreditedMinor, state, paidAt); err != nil {
		return err
	}
	if state == store.InvoicePaid && inv.State != store.InvoicePaid {
		// Whatever else was on its way for this invoice (another checkout) no longer holds anything up.
		if _, err := tx.Exec(ctx, `DELETE FROM payments_pending WHERE invoice_id = $1`, inv.ID); err != nil {
			return err
		}
		inv.State, inv.PaidMinor = state, paid
		if s.OnPaid != nil {
			if err := s.OnPaid(ctx, tx, inv); err != nil {
				return err
			}
		}
		return s.enqueueReinstate(ctx, tx, inv.CustomerID)
	}
	return nil
}

// enqueueReinstate inserts, in tx, the job that lifts billing's suspension of a customer once nothing is overdue.
func (s *Service) enqueueReinstate(ctx context.Context, tx pgx.Tx, customerID int64) error {
	if s.jobs == nil {
		return fmt.Errorf("billing: no job client configured")
	}
	_, err := s.jobs.InsertTx(ctx, tx, ReinstateArgs{CustomerID: customerID}, nil)
	if err != nil {
		return fmt.Errorf("billing: enqueue reinstate of %d: %w", customerID, err)
	}
	return nil
}

// MarkPaymentPending records that a provider payment for the invoice is on its way (Checkout completed but the
// payment is processed asynchronously): dunning does not suspend while one is pending.
func (s *Service) MarkPaymentPending(ctx context.Context, tx pgx.Tx, invoiceID int64, provider, reference string) error {
	b := store.NewBilling(tx)
	if _, err := b.Invoice(ctx, invoiceID, true); err != nil {
		return err
	}
	return b.SetPending(ctx, invoiceID, provider, reference, true)
}

// ClearPaymentPending forgets a pending provider payment (it failed, or was recorded by ApplyPayment).
func (s *Service) ClearPaymentPending(ctx context.Context, tx pgx.Tx, invoiceID int64, provider, reference string) error {
	b := store.NewBilling(tx)
	if _, err := b.Invoice(ctx, invoiceID, true); err != nil {
		return err
	}
	return b.SetPending(ctx, invoiceID, provider, reference, false)
}

// RecordPayment records a bank transfer or cash payment for an invoice; only its issuer (or an admin) may. The
// same reference recorded again changes nothing.
func (s *Service) RecordPayment(ctx context.Context, a hosting.Actor, invoiceID int64, provider, amount, reference string, paidOn time.Time) error {
	errs := fail.Fields{}
	if provider != "bank" && provider != "cash" {
		errs.Addf("provider", "Choose bank transfer or cash.")
	}
	reference = strings.TrimSpace(reference)
	if reference == "" || len(reference) > 200 {
		errs.Addf("reference", "Enter the payment's reference (at most 200 characters).")
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		inv, err := manageable(ctx, tx, a, invoiceID)
		if err != nil {
			return err
		}
		minor, perr := ParseMinor(amount, inv.Currency)
		if perr != nil {
			errs.Addf("amount", perr.(*fail.Error).Format, perr.(*fail.Error).Args...)
		} else if minor <= 0 {
			errs.Addf("amount", "Enter an amount above zero.")
		}
		if len(errs) > 0 {
			return errs.Err()
		}
		if paidOn.IsZero() {
			paidOn = s.Now()
		}
		if err := s.applyPayment(ctx, tx, Payment{InvoiceID: inv.ID, Amount: Money{minor, inv.Currency}, Provider: provider,
			Reference: reference, PaidAt: paidOn}, &a.Acting.ID); err != nil {
			return err
		}
		return audit(ctx, tx, &a, "invoice.payment", inv.ID, fmt.Sprintf("%s %s %s", provider, Money{minor, inv.Currency}, reference))
	})
}

// Checkout is what a payment provider's checkout needs to collect an invoice.
type Checkout struct {
	InvoiceID        int64
	Number           string
	IssuerResellerID *int64 // whose provider account is paid: a reseller's, or the operator's (nil)
	Amount           Money  // what is still owed
	CustomerID       int64
	CustomerEmail    string
	Description      string
	SuccessURL       string // where the payer returns after paying; "" for the invoice's page
}

// InvoiceForCheckout returns what a Checkout Session needs, after checking the invoice belongs to actor's view: it
// must be visible to the actor (SQL ownership check) and addressed to the actor's own customer (admins: any), and
// still owe something.
func (s *Service) InvoiceForCheckout(ctx context.Context, a hosting.Actor, invoiceID int64) (Checkout, error) {
	scope := a.Scope()
	if err := store.Resolve(ctx, s.pool, scope, store.KindInvoice, invoiceID); err != nil {
		return Checkout{}, err
	}
	inv, err := store.NewBilling(s.pool).Invoice(ctx, invoiceID, false)
	if err != nil {
		return Checkout{}, err
	}
	if scope.Role != store.RoleAdmin && inv.CustomerID != scope.CustomerID {
		return Checkout{}, store.ErrNotFound
	}
	if inv.Kind != store.KindInvoiceDoc || inv.State != store.InvoiceIssued || inv.Open() == 0 {
		return Checkout{}, fail.Invalid("This invoice has nothing left to pay.")
	}
	email, _, err := recipient(ctx, s.pool, inv.CustomerID)
	if err != nil {
		return Checkout{}, err
	}
	co := Checkout{InvoiceID: inv.ID, Number: inv.Number, IssuerResellerID: inv.IssuerResellerID,
		Amount: Money{inv.Open(), inv.Currency}, CustomerID: inv.CustomerID, CustomerEmail: email,
		Description: "Invoice " + inv.Number}
	if inv.Purpose == "signup" { // back to the set-up, which continues once the payment arrives
		co.SuccessURL = strings.TrimRight(s.baseURL, "/") + "/signup/setup"
	}
	return co, nil
}

// SignupPay is how the set-up page of a signup to a paid plan collects its first invoice.
type SignupPay struct {
	InvoiceID int64
	Open      Money
	Online    bool // the issuer takes Stripe payments: the page sends the payer to Checkout
}

// SignupPayment returns the actor's own first (signup) invoice while it is still owed; store.ErrNotFound when
// there is none or it is paid.
func (s *Service) SignupPayment(ctx context.Context, a hosting.Actor) (SignupPay, error) {
	own := a.Effective.CustomerID
	if own == nil {
		return SignupPay{}, store.ErrNotFound
	}
	var inv SignupPay
	var issuer *int64
	err := s.pool.QueryRow(ctx, `SELECT id, total_minor - paid_minor - credited_minor, currency, issuer_reseller_id
		FROM invoices WHERE customer_id = $1 AND purpose = 'signup' AND state = 'issued'`, *own).
		Scan(&inv.InvoiceID, &inv.Open.Minor, &inv.Open.Currency, &issuer)
	if errors.Is(err, pgx.ErrNoRows) {
		return inv, store.ErrNotFound
	}
	if err != nil || s.PayOnline == nil {
		return inv, err
	}
	inv.Online, err = s.PayOnline(ctx, issuer)
	return inv, err
}

// ReinstateArgs is the job that lifts billing's suspension of a customer after a payment.
type ReinstateArgs struct {
	CustomerID int64 `json:"customer_id"`
}

// Kind names the job.
func (ReinstateArgs) Kind() string { return "billing_reinstate" }

type reinstateWorker struct {
	river.WorkerDefaults[ReinstateArgs]
	s *Service
}

func (w *reinstateWorker) Work(ctx context.Context, j *river.Job[ReinstateArgs]) error {
	return w.s.Reinstate(ctx, j.Args.CustomerID)
}

// RunArgs is the periodic job that generates due invoices and runs dunning.
type RunArgs struct{}

// Kind names the job.
func (RunArgs) Kind() string { return "billing_run" }

type runWorker struct {
	river.WorkerDefaults[RunArgs]
	s *Service
}

func (w *runWorker) Work(ctx context.Context, _ *river.Job[RunArgs]) error { return w.s.Run(ctx) }

// AddWorkers registers billing's job workers (pass it to tenancy.NewJobs).
func (s *Service) AddWorkers(w *river.Workers) {
	river.AddWorker(w, &reinstateWorker{s: s})
	river.AddWorker(w, &runWorker{s: s})
	river.AddWorker(w, &foldSumsWorker{s: s})
}

// AddPeriodic adds the run job (every RunEvery, and once at start; none when RunEvery is not positive) and the
// invoice sums' fold (every FoldSumsEvery) to the river client's periodic jobs.
func (s *Service) AddPeriodic(c *river.Client[pgx.Tx]) {
	c.PeriodicJobs().Add(foldSumsPeriodic())
	if s.RunEvery <= 0 {
		return
	}
	c.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(s.RunEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return RunArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: s.RunEvery}}
		}, &river.PeriodicJobOpts{RunOnStart: true}))
}

// Run subscribes customers without a subscription, generates due invoices, then runs dunning. Both are safe to run twice and at the same time.
func (s *Service) Run(ctx context.Context) error {
	return errors.Join(s.SubscribeMissing(ctx), s.Generate(ctx), s.Dunning(ctx))
}
