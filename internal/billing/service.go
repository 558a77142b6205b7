package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// Service runs billing.
type Service struct {
	pool    *pgxpool.Pool
	ten     *tenancy.Service
	mail    *mailer.Service
	jobs    *river.Client[pgx.Tx]
	log     *slog.Logger
	baseURL string
	// Now is the clock; tests move it. Dates are taken in UTC.
	Now func() time.Time
	// RunEvery is how often the periodic job generates invoices and runs dunning (0: never, set before AddPeriodic).
	RunEvery time.Duration
	// OnPaid, when set, runs in the transaction that marks an invoice paid (signup starts provisioning there).
	OnPaid func(ctx context.Context, tx pgx.Tx, inv store.Invoice) error
	// PayOnline, when set, reports whether an issuer (a reseller's id, nil for the operator) takes payments online
	// (Stripe configured and enabled): only then is a buyer offered "pay now"; otherwise the bank transfer note.
	PayOnline func(ctx context.Context, issuerResellerID *int64) (bool, error)
}

// New returns a Service. Call SetJobs before use.
func New(pool *pgxpool.Pool, ten *tenancy.Service, mail *mailer.Service, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, ten: ten, mail: mail, log: log, baseURL: baseURL, Now: time.Now, RunEvery: time.Hour}
}

// SetJobs sets the river client jobs are inserted with.
func (s *Service) SetJobs(c *river.Client[pgx.Tx]) { s.jobs = c }

// today is the clock's date at UTC midnight.
func (s *Service) today() time.Time { return dateOf(s.Now()) }

func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// days is the number of days from a to b (both dates).
func days(a, b time.Time) int { return int(dateOf(b).Sub(dateOf(a)).Hours() / 24) }

// addCycle moves a date one cycle on, keeping the day of month where the month has it and taking the month's last
// day otherwise (31 January + 1 month = 28 or 29 February).
func addCycle(d time.Time, cycle string) time.Time {
	months := 1
	if cycle == store.CycleYearly {
		months = 12
	}
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC)
}

// subCycle is the start of the cycle that ends on d (addCycle's inverse; a month-end clamp maps back to the
// same day of the earlier month where it has it).
func subCycle(d time.Time, cycle string) time.Time {
	months := 1
	if cycle == store.CycleYearly {
		months = 12
	}
	y, m, day := d.Date()
	first := time.Date(y, m-time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), 0, 0, 0, 0, time.UTC)
}

// issuerOf is who invoices a customer: a reseller's client its reseller, everyone else the operator.
func issuerOf(c store.Customer) *int64 {
	if c.Kind == store.RoleClient {
		return c.ResellerID
	}
	return nil
}

// audit appends to the audit log in tx, so the entry exists exactly when the change does; a nil actor is billing's
// own jobs.
func audit(ctx context.Context, tx pgx.Tx, a *hosting.Actor, action string, id int64, detail string) error {
	return auditObj(ctx, tx, a, action, string(store.KindInvoice), id, detail)
}

func auditObj(ctx context.Context, tx pgx.Tx, a *hosting.Actor, action, kind string, id int64, detail string) error {
	e := store.AuditEntry{Action: action, ObjectType: kind, ObjectID: strconv.FormatInt(id, 10),
		Outcome: store.OutcomeSuccess, Detail: detail, ActingEmail: "billing"}
	if a != nil {
		e.IP, e.ActingEmail = a.IP, ""
		if a.Acting.ID != 0 {
			e.ActingAccountID, e.ActingEmail = &a.Acting.ID, a.Acting.Email
		}
		if a.Effective.ID != 0 {
			e.EffectiveAccountID, e.EffectiveEmail = &a.Effective.ID, a.Effective.Email
		}
	}
	return store.NewAuditLog(tx).Append(ctx, e)
}

// OnCreate subscribes a new customer on its plan from today, in tx (the transaction that records the customer, so
// no customer exists without a subscription): monthly, or yearly when its plan is priced yearly only. The next
// run invoices its first period; a free plan's periods are advanced without invoices. Tenancy calls it
// (tenancy.Service.Created).
func (s *Service) OnCreate(ctx context.Context, tx pgx.Tx, c store.Customer) error {
	_, err := store.NewBilling(tx).SubscribeMissing(ctx, s.today(), &c.ID)
	return err
}

// SubscribeMissing subscribes, from today, every customer that has no subscription: those created before billing
// subscribed every customer on creation (and any a failure left without one). The periodic run calls it first; it
// is idempotent.
func (s *Service) SubscribeMissing(ctx context.Context) error {
	n, err := store.NewBilling(s.pool).SubscribeMissing(ctx, s.today(), nil)
	if n > 0 {
		s.log.InfoContext(ctx, "subscribed customers that had no subscription", "customers", n)
	}
	return err
}

// Subscribe sets how a customer is billed: its cycle, and the day its first period begins, whose invoice is made
// by the next run (at once when start is within the issuer's days before). Every customer has a subscription from
// its creation; it can be set this way until its first period is billed, and is refused after.
func (s *Service) Subscribe(ctx context.Context, customerID int64, cycle string, start time.Time) (store.Subscription, error) {
	if cycle != store.CycleMonthly && cycle != store.CycleYearly {
		return store.Subscription{}, fail.Field("cycle", "Choose monthly or yearly.")
	}
	var sub store.Subscription
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := store.NewBilling(tx)
		c, err := store.NewCustomers(tx).ByID(ctx, customerID)
		if err != nil {
			return err
		}
		if _, err := b.Issuer(ctx, issuerOf(c), false); err != nil { // the run joins on it
			return err
		}
		if _, err := b.SubscribeMissing(ctx, dateOf(start), &c.ID); err != nil {
			return err
		}
		if sub, err = b.SubscriptionOf(ctx, c.ID, true); err != nil {
			return err
		}
		ok, err := b.RestartSubscription(ctx, sub.ID, cycle, dateOf(start))
		if err != nil {
			return err
		}
		if !ok {
			return fail.Invalid("This customer's billing has started already; its cycle and start can't change now.")
		}
		sub, err = b.SubscriptionOf(ctx, c.ID, false)
		return err
	})
	return sub, err
}

// seller is the issuer as printed.
func (s *Service) seller(ctx context.Context, db store.DBTX, iss store.Issuer) (Party, error) {
	p := Party{Name: iss.LegalName, Address: iss.Address, Country: iss.Country, TaxID: iss.TaxID, Email: iss.Email}
	if p.Name == "" {
		if iss.ResellerID == nil {
			p.Name = s.mail.FromName()
		} else {
			r, err := store.NewCustomers(db).ByID(ctx, *iss.ResellerID)
			if err != nil {
				return p, err
			}
			p.Name = r.Name
			if r.Company != "" {
				p.Name = r.Company
			}
		}
	}
	return p, nil
}

// buyer is the customer as printed.
func buyer(ctx context.Context, db store.DBTX, c store.Customer, iss store.Issuer) (Party, error) {
	prof, err := store.NewBilling(db).Profile(ctx, c.ID)
	if err != nil {
		return Party{}, err
	}
	p := Party{Name: prof.LegalName, Address: prof.Address, Country: prof.Country, TaxID: prof.VATID, Email: c.Email}
	if p.Name == "" {
		p.Name = c.Name
		if c.Company != "" {
			p.Name = c.Company
		}
	}
	if p.Country == "" {
		p.Country = iss.Country
	}
	return p, nil
}

// newDocument is a draft document from iss to c with lines (nets and taxes filled in here).
func (s *Service) newDocument(ctx context.Context, db store.DBTX, iss store.Issuer, c store.Customer, kind string, lines []Line) (Document, error) {
	seller, err := s.seller(ctx, db, iss)
	if err != nil {
		return Document{}, err
	}
	b, err := buyer(ctx, db, c, iss)
	if err != nil {
		return Document{}, err
	}
	d := Document{Kind: kind, Seller: seller, Buyer: b, Currency: iss.Currency, Lines: lines}
	rate := iss.VATRateBP
	if ReverseCharge(seller.Country, b.Country, b.TaxID) {
		d.ReverseCharge, rate = true, 0
		d.Notes = append(d.Notes, ReverseChargeNote)
	}
	for i := range d.Lines {
		d.Lines[i].TaxRateBP = rate
	}
	d.Compute()
	return d, nil
}

// draft inserts a draft invoice or credit note from its document.
func draft(ctx context.Context, tx pgx.Tx, iss store.Issuer, c store.Customer, subID *int64, purpose string, credits *int64, d Document, due time.Time) (int64, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return 0, err
	}
	row := store.Invoice{IssuerID: iss.ID, IssuerResellerID: iss.ResellerID, CustomerID: c.ID, SubscriptionID: subID,
		Kind: d.Kind, Purpose: purpose, CreditsInvoiceID: credits, Currency: d.Currency, NetMinor: d.NetMinor,
		TaxMinor: d.TaxMinor, TotalMinor: d.TotalMinor, Document: raw, DueOn: &due}
	if !d.PeriodFrom.IsZero() {
		row.PeriodFrom, row.PeriodTo = &d.PeriodFrom, &d.PeriodTo
	}
	return store.NewBilling(tx).InsertInvoice(ctx, row)
}

// issue freezes a draft in tx: it takes the issuer's next number (the counter row is locked until tx ends, so
// numbers are gapless), stores the document with its hash, applies the buyer's credit balance to an invoice and
// mails the buyer.
func (s *Service) issue(ctx context.Context, tx pgx.Tx, id int64) (store.Invoice, error) {
	b := store.NewBilling(tx)
	inv, err := b.Invoice(ctx, id, true)
	if err != nil {
		return inv, err
	}
	iss, err := b.Issuer(ctx, inv.IssuerResellerID, true)
	if err != nil {
		return inv, err
	}
	n, err := b.TakeNumber(ctx, iss.ID)
	if err != nil {
		return inv, err
	}
	var d Document
	if err := json.Unmarshal(inv.Document, &d); err != nil {
		return inv, fmt.Errorf("billing: draft %d: %w", id, err)
	}
	d.Number = fmt.Sprintf("%s%06d", iss.NumberPrefix, n)
	d.IssuedOn = s.today()
	d.DueOn = *inv.DueOn
	if d.DueOn.Before(d.IssuedOn) {
		d.DueOn = d.IssuedOn
	}
	if d.Kind == KindInvoice {
		d.Notes = append(d.Notes, fmt.Sprintf("Payable by %s.", d.DueOn.Format("2 January 2006")))
	}
	if err := b.IssueInvoice(ctx, id, d.Number, d.Canonical(), d.Hash(), d.IssuedOn, d.DueOn); err != nil {
		return inv, err
	}
	if inv, err = b.Invoice(ctx, id, true); err != nil {
		return inv, err
	}
	if inv.Kind == store.KindInvoiceDoc {
		bal, err := b.CreditBalance(ctx, inv.CustomerID, inv.Currency)
		if err != nil {
			return inv, err
		}
		if use := min(bal, inv.Open()); use > 0 {
			if err := s.applyPayment(ctx, tx, Payment{InvoiceID: id, Amount: Money{use, inv.Currency}, Provider: providerCredit,
				Reference: "credit:" + strconv.FormatInt(id, 10), PaidAt: s.Now()}, nil); err != nil {
				return inv, err
			}
		}
		if inv, err = b.Invoice(ctx, id, false); err != nil {
			return inv, err
		}
	}
	return inv, s.mailDocument(ctx, tx, inv, d)
}

// Document kinds.
const (
	KindInvoice    = "invoice"
	KindCreditNote = "credit_note"
)

// DocumentOf decodes an issued invoice's frozen document.
func DocumentOf(inv store.Invoice) (Document, error) {
	var d Document
	err := json.Unmarshal(inv.Document, &d)
	return d, err
}

func (s *Service) mailDocument(ctx context.Context, tx pgx.Tx, inv store.Invoice, d Document) error {
	to, name, err := recipient(ctx, tx, inv.CustomerID)
	if err != nil || to == "" {
		return err
	}
	subject := "Invoice " + d.Number
	lines := []string{fmt.Sprintf("Invoice %s over %s is ready, payable by %s.", d.Number,
		Money{d.TotalMinor, d.Currency}, d.DueOn.Format("2 January 2006"))}
	if d.Kind == KindCreditNote {
		subject = "Credit note " + d.Number
		lines = []string{fmt.Sprintf("Credit note %s over %s corrects invoice %s.", d.Number, Money{-d.TotalMinor, d.Currency}, d.Credits)}
	} else if inv.Open() == 0 {
		lines = append(lines, "It is paid already (from your credit balance); there is nothing to do.")
	}
	_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "invoice", CustomerID: &inv.CustomerID, To: to, ToName: name,
		Subject: subject, Body: views.EmailBody{Greeting: greet(name), Lines: lines,
			Link: fmt.Sprintf("%s/invoices/%d", s.baseURL, inv.ID), LinkLabel: "View it"}})
	return err
}

// recipient is the sign-in of a customer, where its billing mail goes ("" when it has none).
func recipient(ctx context.Context, db store.DBTX, customerID int64) (string, string, error) {
	a, err := store.NewAccounts(db).ByCustomer(ctx, customerID)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", nil
	}
	return a.Email, a.Name, err
}

func greet(name string) string {
	if name == "" {
		return "Hello,"
	}
	return "Hello " + name + ","
}

// errNotYours is a change only the issuer (or an admin) may make, asked by the buyer.
var errNotYours = &fail.Error{Status: http.StatusForbidden, Msg: "Only the issuer of this invoice can do that."}

// manageable loads an invoice that actor may change: one it may see (checked again here in SQL) and issued by it
// (admins: any).
func manageable(ctx context.Context, tx pgx.Tx, a hosting.Actor, id int64) (store.Invoice, error) {
	scope := a.Scope()
	if err := store.Resolve(ctx, tx, scope, store.KindInvoice, id); err != nil {
		return store.Invoice{}, err
	}
	inv, err := store.NewBilling(tx).Invoice(ctx, id, true)
	if err != nil {
		return inv, err
	}
	if scope.Role == store.RoleAdmin {
		return inv, nil
	}
	if scope.Role == store.RoleReseller && inv.IssuerResellerID != nil && *inv.IssuerResellerID == scope.CustomerID {
		return inv, nil
	}
	return inv, errNotYours
}
