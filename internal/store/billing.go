package store

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Issuer is an issuer's billing profile: the operator's (ResellerID nil) or a reseller's.
type Issuer struct {
	ID                 int64
	ResellerID         *int64
	LegalName          string
	Address            string
	Country            string
	TaxID              string
	Email              string
	VATRateBP          int64
	NumberPrefix       string
	Currency           string
	NextNumber         int64
	DaysBefore         int
	PaymentTermsDays   int
	ReminderDays       []int32
	SuspendAfterDays   int
	TerminateAfterDays int
	TerminateEnabled   bool
}

// Billing reads and writes the billing tables.
type Billing struct{ db DBTX }

// NewBilling returns the billing tables over db.
func NewBilling(db DBTX) Billing { return Billing{db: db} }

const issuerCols = `id, reseller_id, legal_name, address, country, tax_id, email, vat_rate_bp, number_prefix, currency,
	next_number, days_before, payment_terms_days, reminder_days, suspend_after_days, terminate_after_days, terminate_enabled`

func scanIssuer(row pgx.CollectableRow) (Issuer, error) {
	var i Issuer
	err := row.Scan(&i.ID, &i.ResellerID, &i.LegalName, &i.Address, &i.Country, &i.TaxID, &i.Email, &i.VATRateBP,
		&i.NumberPrefix, &i.Currency, &i.NextNumber, &i.DaysBefore, &i.PaymentTermsDays, &i.ReminderDays,
		&i.SuspendAfterDays, &i.TerminateAfterDays, &i.TerminateEnabled)
	return i, err
}

// Issuer returns the profile of an issuer (resellerID nil: the operator); its row exists from the reseller's
// creation on (migration 00013), with the defaults until saved. lock takes the row lock until the transaction ends (the issuing transaction's number counter).
func (s Billing) Issuer(ctx context.Context, resellerID *int64, lock bool) (Issuer, error) {
	q := `SELECT ` + issuerCols + ` FROM billing_issuers WHERE coalesce(reseller_id, 0) = coalesce($1::bigint, 0)`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, _ := s.db.Query(ctx, q, resellerID)
	i, err := pgx.CollectExactlyOneRow(rows, scanIssuer)
	return i, wrap(err, "issuer of %v", resellerID)
}

// IssuerByID returns an issuer profile by id.
func (s Billing) IssuerByID(ctx context.Context, id int64) (Issuer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+issuerCols+` FROM billing_issuers WHERE id = $1`, id)
	i, err := pgx.CollectExactlyOneRow(rows, scanIssuer)
	return i, wrap(err, "issuer %d", id)
}

// SaveIssuer writes an issuer's profile, tax and dunning settings (never its number counter).
func (s Billing) SaveIssuer(ctx context.Context, i Issuer) error {
	_, err := s.db.Exec(ctx, `UPDATE billing_issuers SET legal_name = $2, address = $3, country = $4, tax_id = $5,
		email = $6, vat_rate_bp = $7, number_prefix = $8, currency = $9, days_before = $10, payment_terms_days = $11,
		reminder_days = $12, suspend_after_days = $13, terminate_after_days = $14, terminate_enabled = $15,
		updated_at = now() WHERE id = $1`,
		i.ID, i.LegalName, i.Address, i.Country, i.TaxID, i.Email, i.VATRateBP, i.NumberPrefix, i.Currency,
		i.DaysBefore, i.PaymentTermsDays, i.ReminderDays, i.SuspendAfterDays, i.TerminateAfterDays, i.TerminateEnabled)
	return wrap(err, "save issuer %d", i.ID)
}

// TakeNumber returns the issuer's next document number and moves the counter on. Call it in the issuing
// transaction after Issuer(…, lock=true): a rollback gives the number back, so numbers have no gaps.
func (s Billing) TakeNumber(ctx context.Context, issuerID int64) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `UPDATE billing_issuers SET next_number = next_number + 1 WHERE id = $1
		RETURNING next_number - 1`, issuerID).Scan(&n)
	return n, wrap(err, "number of issuer %d", issuerID)
}

// Price kinds and cycles.
const (
	PriceRetail    = "retail"
	PriceWholesale = "wholesale"
	CycleMonthly   = "monthly"
	CycleYearly    = "yearly"
)

// Price is a plan's price for one kind and cycle.
type Price struct {
	PlanID        int64
	Kind          string
	Cycle         string
	Currency      string
	AmountMinor   int64
	SetupFeeMinor int64
}

// Prices lists the prices of the plans of an owner (resellerID nil: the operator's), by plan name.
func (s Billing) Prices(ctx context.Context, resellerID *int64) ([]Price, error) {
	rows, _ := s.db.Query(ctx, `SELECT pp.plan_id, pp.kind, pp.cycle, pp.currency, pp.amount_minor, pp.setup_fee_minor
		FROM plan_prices pp JOIN plans p ON p.id = pp.plan_id
		WHERE p.reseller_id IS NOT DISTINCT FROM $1 ORDER BY lower(p.name), pp.kind, pp.cycle`, resellerID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Price])
	return list, wrap(err, "prices")
}

// Price returns one price; ErrNotFound when the plan has none of that kind and cycle (it is free).
func (s Billing) Price(ctx context.Context, planID int64, kind, cycle string) (Price, error) {
	rows, _ := s.db.Query(ctx, `SELECT plan_id, kind, cycle, currency, amount_minor, setup_fee_minor FROM plan_prices
		WHERE plan_id = $1 AND kind = $2 AND cycle = $3`, planID, kind, cycle)
	p, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Price])
	return p, wrap(err, "price of plan %d", planID)
}

// SetPrice creates or replaces a price.
func (s Billing) SetPrice(ctx context.Context, p Price) error {
	_, err := s.db.Exec(ctx, `INSERT INTO plan_prices (plan_id, kind, cycle, currency, amount_minor, setup_fee_minor)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (plan_id, kind, cycle) DO UPDATE SET currency = $4,
		amount_minor = $5, setup_fee_minor = $6, updated_at = now()`,
		p.PlanID, p.Kind, p.Cycle, p.Currency, p.AmountMinor, p.SetupFeeMinor)
	return wrap(err, "set price of plan %d", p.PlanID)
}

// DeletePrice removes a price (the plan becomes free in that cycle).
func (s Billing) DeletePrice(ctx context.Context, planID int64, kind, cycle string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM plan_prices WHERE plan_id = $1 AND kind = $2 AND cycle = $3`, planID, kind, cycle)
	return wrap(err, "delete price of plan %d", planID)
}

// BillingProfile is a buyer's billing details.
type BillingProfile struct {
	CustomerID int64
	LegalName  string
	Address    string
	Country    string
	VATID      string
}

// Profile returns a customer's billing details; a customer without them gets an empty profile.
func (s Billing) Profile(ctx context.Context, customerID int64) (BillingProfile, error) {
	p := BillingProfile{CustomerID: customerID}
	err := s.db.QueryRow(ctx, `SELECT legal_name, address, trim(country), vat_id FROM billing_profiles WHERE customer_id = $1`,
		customerID).Scan(&p.LegalName, &p.Address, &p.Country, &p.VATID)
	if err == pgx.ErrNoRows {
		return p, nil
	}
	return p, wrap(err, "billing profile of %d", customerID)
}

// SaveProfile writes a customer's billing details.
func (s Billing) SaveProfile(ctx context.Context, p BillingProfile) error {
	_, err := s.db.Exec(ctx, `INSERT INTO billing_profiles (customer_id, legal_name, address, country, vat_id)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (customer_id) DO UPDATE SET legal_name = $2, address = $3,
		country = $4, vat_id = $5, updated_at = now()`, p.CustomerID, p.LegalName, p.Address, p.Country, p.VATID)
	return wrap(err, "save billing profile of %d", p.CustomerID)
}

// Subscription states.
const (
	SubActive    = "active"
	SubPastDue   = "past_due"
	SubSuspended = "suspended"
	SubCancelled = "cancelled"
)

// Subscription is a customer's subscription: [PeriodStart, NextDueOn) is the last period invoiced.
type Subscription struct {
	ID          int64
	CustomerID  int64
	PlanID      int64
	Cycle       string
	State       string
	PeriodStart time.Time
	NextDueOn   time.Time
	// SetupFeeDue says the first invoice charges the plan's setup fee; false for a customer that existed before
	// billing and was subscribed by the run.
	SetupFeeDue bool
}

const subCols = `id, customer_id, plan_id, cycle, state, period_start, next_due_on, setup_fee_due`

// CreateSubscription inserts a subscription; ErrConflict when the customer has one.
func (s Billing) CreateSubscription(ctx context.Context, sub Subscription) (Subscription, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO subscriptions (customer_id, plan_id, cycle, period_start, next_due_on)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+subCols, sub.CustomerID, sub.PlanID, sub.Cycle, sub.PeriodStart, sub.NextDueOn)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Subscription])
	return out, wrap(err, "subscribe customer %d", sub.CustomerID)
}

// SubscribeMissing gives every customer without a subscription one (only customer, when not nil), starting on
// day on its current plan: yearly when the plan is priced yearly only, monthly otherwise. Deleted customers and
// those being deleted get none. It reports how many it created; running it again creates none. Subscribing every
// missing customer (customer nil) catches those that existed before billing: they owe no setup fee.
func (s Billing) SubscribeMissing(ctx context.Context, day time.Time, customer *int64) (int64, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO subscriptions (customer_id, plan_id, cycle, period_start, next_due_on, setup_fee_due)
		SELECT c.id, c.plan_id, CASE WHEN NOT EXISTS (SELECT 1 FROM plan_prices pp WHERE pp.plan_id = c.plan_id
				AND pp.kind = 'retail' AND pp.cycle = 'monthly' AND (pp.amount_minor > 0 OR pp.setup_fee_minor > 0))
			AND EXISTS (SELECT 1 FROM plan_prices pp WHERE pp.plan_id = c.plan_id AND pp.kind = 'retail'
				AND pp.cycle = 'yearly' AND (pp.amount_minor > 0 OR pp.setup_fee_minor > 0))
			THEN 'yearly' ELSE 'monthly' END, $1::date, $1::date, $2::bigint IS NOT NULL
		FROM customers c
		WHERE c.state NOT IN ('deleting', 'deleted') AND ($2::bigint IS NULL OR c.id = $2::bigint)
		AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_id = c.id)
		ORDER BY c.id
		ON CONFLICT (customer_id) DO NOTHING`, day, customer)
	return tag.RowsAffected(), wrap(err, "subscribe missing customers")
}

// RestartSubscription sets the cycle and first period of a subscription that has not been billed yet (no document
// issued for it; periods of a free plan may have passed); false when it has been.
func (s Billing) RestartSubscription(ctx context.Context, id int64, cycle string, start time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE subscriptions SET cycle = $2, period_start = $3, next_due_on = $3, updated_at = now()
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM invoices WHERE subscription_id = $1)`,
		id, cycle, start)
	return tag.RowsAffected() == 1, wrap(err, "restart subscription %d", id)
}

// SubscriptionOf returns a customer's subscription (ErrNotFound: none); lock takes its row lock.
func (s Billing) SubscriptionOf(ctx context.Context, customerID int64, lock bool) (Subscription, error) {
	q := `SELECT ` + subCols + ` FROM subscriptions WHERE customer_id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	rows, _ := s.db.Query(ctx, q, customerID)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Subscription])
	return out, wrap(err, "subscription of %d", customerID)
}

// DueSubscriptions lists the subscriptions whose next period is due for invoicing on day (its issuer's days
// before the due date), by id.
func (s Billing) DueSubscriptions(ctx context.Context, day time.Time) ([]int64, error) {
	rows, _ := s.db.Query(ctx, `SELECT sub.id FROM subscriptions sub JOIN customers c ON c.id = sub.customer_id
		JOIN billing_issuers bi ON coalesce(bi.reseller_id, 0) = coalesce(c.reseller_id, 0)
		WHERE sub.state <> 'cancelled' AND c.state = 'active' AND sub.next_due_on - bi.days_before <= $1::date
		ORDER BY sub.id`, day)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, wrap(err, "due subscriptions")
}

// LockSubscription returns a subscription by id with its row locked.
func (s Billing) LockSubscription(ctx context.Context, id int64) (Subscription, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+subCols+` FROM subscriptions WHERE id = $1 FOR UPDATE`, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Subscription])
	return out, wrap(err, "lock subscription %d", id)
}

// AdvanceSubscription records that [from, to) is invoiced.
func (s Billing) AdvanceSubscription(ctx context.Context, id int64, from, to time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE subscriptions SET period_start = $2, next_due_on = $3, updated_at = now() WHERE id = $1`, id, from, to)
	return wrap(err, "advance subscription %d", id)
}

// SetSubscriptionState changes a subscription's state.
func (s Billing) SetSubscriptionState(ctx context.Context, id int64, state string) error {
	_, err := s.db.Exec(ctx, `UPDATE subscriptions SET state = $2, updated_at = now() WHERE id = $1`, id, state)
	return wrap(err, "subscription %d state", id)
}

// SetSubscriptionPlan records the plan (and cycle) the subscription is billed at from now on.
func (s Billing) SetSubscriptionPlan(ctx context.Context, id, planID int64) error {
	_, err := s.db.Exec(ctx, `UPDATE subscriptions SET plan_id = $2, updated_at = now() WHERE id = $1`, id, planID)
	return wrap(err, "subscription %d plan", id)
}

// Invoice states and kinds.
const (
	InvoiceDraft  = "draft"
	InvoiceIssued = "issued"
	InvoicePaid   = "paid"
	InvoiceVoid   = "void"

	KindInvoiceDoc = "invoice"
	KindCreditNote = "credit_note"
)

// Invoice is an invoice or credit note row. Document is the frozen document's JSON (a draft's is provisional).
type Invoice struct {
	ID               int64
	IssuerID         int64
	IssuerResellerID *int64
	CustomerID       int64
	SubscriptionID   *int64
	Kind             string
	Purpose          string
	CreditsInvoiceID *int64
	PeriodFrom       *time.Time
	PeriodTo         *time.Time
	State            string
	Number           string
	Currency         string
	NetMinor         int64
	TaxMinor         int64
	TotalMinor       int64
	PaidMinor        int64
	CreditedMinor    int64
	Document         json.RawMessage
	Hash             string
	IssuedOn         *time.Time
	DueOn            *time.Time
	PaidAt           *time.Time
	CreatedAt        time.Time

	CustomerName string // filled by lists and detail
}

// Open is what is still owed: the total less credit notes and payments; 0 for a credit note.
func (i Invoice) Open() int64 {
	if i.Kind != KindInvoiceDoc || i.State == InvoiceDraft {
		return 0
	}
	return max(i.TotalMinor-i.CreditedMinor-i.PaidMinor, 0)
}

const invoiceCols = `i.id, i.issuer_id, i.issuer_reseller_id, i.customer_id, i.subscription_id, i.kind, i.purpose,
	i.credits_invoice_id, i.period_from, i.period_to, i.state, coalesce(i.number, ''), i.currency, i.net_minor,
	i.tax_minor, i.total_minor, i.paid_minor, i.credited_minor, i.document, coalesce(i.hash, ''), i.issued_on,
	i.due_on, i.paid_at, i.created_at, c.name`

const invoiceFrom = ` FROM invoices i JOIN customers c ON c.id = i.customer_id`

func scanInvoice(row pgx.CollectableRow) (Invoice, error) {
	var i Invoice
	err := row.Scan(invoiceDest(&i, nil)...)
	return i, err
}

// invoiceListRow are the invoice columns the invoice list reads, invoiceListCols those it shows (invoiceListDest):
// not a document's frozen content, hash, period or links, which only its own page reads. The list has no drafts, so
// every document it shows has its number (a CHECK).
const (
	invoiceListRow  = `i.id, i.customer_id, i.kind, i.state, i.number, i.currency, i.total_minor, i.paid_minor, i.credited_minor, i.issued_on, i.due_on`
	invoiceListCols = invoiceListRow + `, c.name`
)

// invoiceListDest appends the destinations of invoiceListCols in i to dst.
func invoiceListDest(i *Invoice, dst []any) []any {
	return append(dst, &i.ID, &i.CustomerID, &i.Kind, &i.State, &i.Number, &i.Currency, &i.TotalMinor, &i.PaidMinor,
		&i.CreditedMinor, &i.IssuedOn, &i.DueOn, &i.CustomerName)
}

// invoiceDest appends the destinations of invoiceCols in i to dst.
func invoiceDest(i *Invoice, dst []any) []any {
	return append(dst, &i.ID, &i.IssuerID, &i.IssuerResellerID, &i.CustomerID, &i.SubscriptionID, &i.Kind, &i.Purpose,
		&i.CreditsInvoiceID, &i.PeriodFrom, &i.PeriodTo, &i.State, &i.Number, &i.Currency, &i.NetMinor, &i.TaxMinor,
		&i.TotalMinor, &i.PaidMinor, &i.CreditedMinor, &i.Document, &i.Hash, &i.IssuedOn, &i.DueOn, &i.PaidAt,
		&i.CreatedAt, &i.CustomerName)
}

// InsertInvoice inserts a draft. It returns ErrConflict when the subscription's period already has its invoice.
func (s Billing) InsertInvoice(ctx context.Context, i Invoice) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, subscription_id, kind,
		purpose, credits_invoice_id, period_from, period_to, currency, net_minor, tax_minor, total_minor, document, due_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		i.IssuerID, i.IssuerResellerID, i.CustomerID, i.SubscriptionID, i.Kind, i.Purpose, i.CreditsInvoiceID,
		i.PeriodFrom, i.PeriodTo, i.Currency, i.NetMinor, i.TaxMinor, i.TotalMinor, i.Document, i.DueOn).Scan(&id)
	return id, wrap(err, "insert invoice for customer %d", i.CustomerID)
}

// Invoice returns an invoice without an ownership check (resolve first); lock takes its row lock.
func (s Billing) Invoice(ctx context.Context, id int64, lock bool) (Invoice, error) {
	q := `SELECT ` + invoiceCols + invoiceFrom + ` WHERE i.id = $1`
	if lock {
		q += ` FOR UPDATE OF i`
	}
	rows, _ := s.db.Query(ctx, q, id)
	out, err := pgx.CollectExactlyOneRow(rows, scanInvoice)
	return out, wrap(err, "invoice %d", id)
}

// IssueInvoice freezes a draft: its number, document, hash and dates.
func (s Billing) IssueInvoice(ctx context.Context, id int64, number string, doc []byte, hash string, issuedOn, dueOn time.Time) error {
	tag, err := s.db.Exec(ctx, `UPDATE invoices SET state = 'issued', number = $2, document = $3, hash = $4,
		issued_on = $5, due_on = $6, updated_at = now() WHERE id = $1 AND state = 'draft'`, id, number, doc, hash, issuedOn, dueOn)
	if err == nil && tag.RowsAffected() != 1 {
		return ErrConflict
	}
	return wrap(err, "issue invoice %d", id)
}

// SetInvoiceAmounts records what was paid and credited, and the state that follows.
func (s Billing) SetInvoiceAmounts(ctx context.Context, id, paid, credited int64, state string, paidAt *time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE invoices SET paid_minor = $2, credited_minor = $3, state = $4,
		paid_at = coalesce(paid_at, $5), updated_at = now() WHERE id = $1`, id, paid, credited, state, paidAt)
	return wrap(err, "invoice %d amounts", id)
}

// InsertPayment records a payment; it reports false (and changes nothing) when the provider's reference is known.
func (s Billing) InsertPayment(ctx context.Context, invoiceID int64, provider, reference, currency string, amount int64, paidAt time.Time, by *int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO payments (invoice_id, provider, reference, currency, amount_minor, paid_at, recorded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (provider, reference) DO NOTHING`,
		invoiceID, provider, reference, currency, amount, paidAt, by)
	return tag.RowsAffected() == 1, wrap(err, "payment %s %s", provider, reference)
}

// Payment is a recorded payment.
type Payment struct {
	ID          int64
	InvoiceID   int64
	Provider    string
	Reference   string
	Currency    string
	AmountMinor int64
	PaidAt      time.Time
}

// Payments lists an invoice's payments, oldest first.
func (s Billing) Payments(ctx context.Context, invoiceID int64) ([]Payment, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, invoice_id, provider, reference, currency, amount_minor, paid_at FROM payments
		WHERE invoice_id = $1 ORDER BY paid_at, id`, invoiceID)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Payment])
	return list, wrap(err, "payments of invoice %d", invoiceID)
}

// SetPending marks (or clears) a provider payment on its way for an invoice.
func (s Billing) SetPending(ctx context.Context, invoiceID int64, provider, reference string, pending bool) error {
	var err error
	if pending {
		// A payment already recorded under the reference is not on its way any more: providers may report the
		// payment before the "pending" that preceded it (Stripe's events arrive in any order).
		_, err = s.db.Exec(ctx, `INSERT INTO payments_pending (invoice_id, provider, reference)
			SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM payments WHERE provider = $2 AND reference = $3)
			ON CONFLICT (provider, reference) DO NOTHING`, invoiceID, provider, reference)
	} else {
		_, err = s.db.Exec(ctx, `DELETE FROM payments_pending WHERE provider = $1 AND reference = $2`, provider, reference)
	}
	return wrap(err, "pending payment %s %s", provider, reference)
}

// HasPending reports whether a provider payment for the invoice is on its way.
func (s Billing) HasPending(ctx context.Context, invoiceID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM payments_pending WHERE invoice_id = $1)`, invoiceID).Scan(&ok)
	return ok, wrap(err, "pending payments of %d", invoiceID)
}

// CreditBalance is a customer's credit in currency.
func (s Billing) CreditBalance(ctx context.Context, customerID int64, currency string) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT coalesce(sum(amount_minor), 0)::bigint FROM credit_entries
		WHERE customer_id = $1 AND currency = $2`, customerID, currency).Scan(&n)
	return n, wrap(err, "credit of %d", customerID)
}

// BillingBox is what a customer's page shows of its billing.
type BillingBox struct {
	Subscription *Subscription // nil: not billed yet
	Profile      BillingProfile
	Currency     string // its issuer's (a client: its reseller's, or the operator's for a direct client; a reseller: the operator's)
	Credit       int64  // its credit balance in that currency
}

// BillingBox reads customer id's billing box in one statement, if scope may see it or id is self (a reseller is
// the buyer of its own wholesale bill). Errors: ErrNotFound, also for a customer the scope may not see.
func (s Billing) BillingBox(ctx context.Context, scope Scope, self *int64, id int64) (BillingBox, error) {
	var cust *int64
	if scope.CustomerID != 0 {
		cust = &scope.CustomerID
	}
	var b BillingBox
	var subID, subCustomer, subPlan *int64
	var subCycle, subState *string
	var subStart, subDue *time.Time
	b.Profile.CustomerID = id
	err := s.db.QueryRow(ctx, `SELECT s.id, s.customer_id, s.plan_id, s.cycle, s.state, s.period_start, s.next_due_on,
			coalesce(bp.legal_name, ''), coalesce(bp.address, ''), coalesce(trim(bp.country), ''), coalesce(bp.vat_id, ''),
			iss.currency, coalesce((SELECT sum(ce.amount_minor) FROM credit_entries ce
				WHERE ce.customer_id = c.id AND ce.currency = iss.currency), 0)::bigint
		FROM customers c
		JOIN billing_issuers iss ON coalesce(iss.reseller_id, 0) = CASE WHEN c.kind = 'client' THEN coalesce(c.reseller_id, 0) ELSE 0 END
		LEFT JOIN subscriptions s ON s.customer_id = c.id
		LEFT JOIN billing_profiles bp ON bp.customer_id = c.id
		WHERE c.id = $1 AND (c.id = $4::bigint OR `+visibleCustomer+`)`, id, string(scope.Role), cust, self).Scan(
		&subID, &subCustomer, &subPlan, &subCycle, &subState, &subStart, &subDue,
		&b.Profile.LegalName, &b.Profile.Address, &b.Profile.Country, &b.Profile.VATID, &b.Currency, &b.Credit)
	if err == nil && subID != nil {
		b.Subscription = &Subscription{ID: *subID, CustomerID: *subCustomer, PlanID: *subPlan, Cycle: *subCycle,
			State: *subState, PeriodStart: *subStart, NextDueOn: *subDue, SetupFeeDue: true}
	}
	return b, wrap(err, "billing of customer %d", id)
}

// Amount is a sum in one currency's minor units.
type Amount struct {
	Currency string
	Minor    int64
}

// ResellerSums is a reseller's dashboard figures, per currency.
type ResellerSums struct {
	Revenue, Open, WholesaleOpen []Amount
	LastBillID                   int64 // its newest bill from the operator; 0: none yet
	LastBillNumber               string
}

// ResellerSums reads a reseller's dashboard figures in one statement: the money its clients paid (payments, not
// credit applied), what they still owe and what it owes the operator, all from the invoice sums (migrations 00021
// and 00024: the issuer's rows, its payments, and the reseller's own rows as a buyer; what is owed counts each
// invoice at no less than zero, an overpaid one owing nothing), and its newest bill from the operator.
func (s Billing) ResellerSums(ctx context.Context, resellerID int64, creditProvider string) (ResellerSums, error) {
	var out ResellerSums
	rows, _ := s.db.Query(ctx, `
		SELECT 'revenue', currency, sum(total_minor)::bigint, 0::bigint, '' FROM (`+invoiceSumRows+`) s
			WHERE side = 'i' AND owner = $1 AND kind = 'payment' AND state <> $2 GROUP BY currency HAVING sum(count) > 0
		UNION ALL
		SELECT CASE side WHEN 'i' THEN 'open' ELSE 'wholesale' END, currency, sum(open_minor)::bigint, 0, ''
			FROM (`+invoiceSumRows+`) s WHERE side IN ('c', 'i') AND owner = $1 AND kind = 'invoice' AND state = 'issued'
			GROUP BY side, currency HAVING sum(count) > 0
		UNION ALL
		(SELECT 'last', '', 0, id, number FROM invoices WHERE customer_id = $1 AND kind = 'invoice' AND state <> 'draft'
			ORDER BY issued_on DESC, id DESC LIMIT 1)
		ORDER BY 1, 2`, resellerID, creditProvider)
	defer rows.Close()
	for rows.Next() {
		var kind, cur, number string
		var minor, id int64
		if err := rows.Scan(&kind, &cur, &minor, &id, &number); err != nil {
			return out, wrap(err, "reseller sums of %d", resellerID)
		}
		m := Amount{cur, minor}
		switch kind {
		case "revenue":
			out.Revenue = append(out.Revenue, m)
		case "open":
			out.Open = append(out.Open, m)
		case "wholesale":
			out.WholesaleOpen = append(out.WholesaleOpen, m)
		case "last":
			out.LastBillID, out.LastBillNumber = id, number
		}
	}
	return out, wrap(rows.Err(), "reseller sums of %d", resellerID)
}

// AddCredit adds to (amount > 0) or takes from (amount < 0) a customer's credit balance.
func (s Billing) AddCredit(ctx context.Context, customerID int64, currency string, amount, invoiceID int64, reason string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO credit_entries (customer_id, currency, amount_minor, invoice_id, reason)
		VALUES ($1, $2, $3, $4, $5)`, customerID, currency, amount, invoiceID, reason)
	return wrap(err, "credit of %d", customerID)
}

// StepDone records a dunning step; false when it was done before.
func (s Billing) StepDone(ctx context.Context, invoiceID int64, step string) (bool, error) {
	tag, err := s.db.Exec(ctx, `INSERT INTO dunning_steps (invoice_id, step) VALUES ($1, $2) ON CONFLICT DO NOTHING`, invoiceID, step)
	return tag.RowsAffected() == 1, wrap(err, "dunning step %s of %d", step, invoiceID)
}

// HasStep reports whether a dunning step was done.
func (s Billing) HasStep(ctx context.Context, invoiceID int64, step string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dunning_steps WHERE invoice_id = $1 AND step = $2)`, invoiceID, step).Scan(&ok)
	return ok, wrap(err, "dunning step %s of %d", step, invoiceID)
}

// OpenInvoices lists issued, unpaid invoices of customers with a live subscription, due on or before day, by id.
func (s Billing) OpenInvoices(ctx context.Context, day time.Time) ([]Invoice, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+invoiceCols+invoiceFrom+`
		WHERE i.state = 'issued' AND i.kind = 'invoice' AND i.due_on IS NOT NULL AND c.state = 'active'
		AND i.due_on <= $1::date ORDER BY i.id`, day)
	list, err := pgx.CollectRows(rows, scanInvoice)
	return list, wrap(err, "open invoices")
}

// OverdueOf counts a customer's issued, unpaid invoices due at least days days before day.
func (s Billing) OverdueOf(ctx context.Context, customerID int64, day time.Time, days int) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE customer_id = $1 AND kind = 'invoice'
		AND state = 'issued' AND due_on + $3::int <= $2::date`, customerID, day, days).Scan(&n)
	return n, wrap(err, "overdue of %d", customerID)
}

// InvoicesPerPage is how many documents a page of the invoice list shows.
const InvoicesPerPage = 50

// InvoiceFilter selects invoices for a list, and which page of it, newest issue date first.
type InvoiceFilter struct {
	State      string
	CustomerID int64
	// ClientQuery searches the customer filter's choices (InvoiceListing.Choices); it filters no document.
	ClientQuery string
	From, To    *time.Time // issued on or after / on or before
	Keyset                 // the page after or before a document's key (its issue date and id)
}

// InvoiceTotals sums the listed documents per kind (invoices, credit notes) and state, in one currency each.
type InvoiceTotals struct {
	Kind     string
	State    string
	Currency string
	Count    int
	Total    int64
	Open     int64
}

// invoiceScope is the conditions on the documents (aliased i) scope sees: visibleInvoice, and the same rule written
// for scope's role (a client's own documents; a reseller's issued or received ones). The rule decides; the role's
// form narrows the statement to what an index can seek in issue-date order (invoices_*_issued_idx, migrations
// 00020 and 00025: the operator's says i.id > 0, on which its index is partial, so that no other role's statement
// reads everyone's documents by date), and makes each role's statement its own, with its own plan, rather than one generic plan for a condition
// true for admins and narrow for clients. A reseller's form is an OR, which no one index serves in order: branches
// are its two disjoint halves (issued by it; issued to it by someone else), each of which one index does, for the
// list's page to read as two ordered branches (listSpec.branches).
func invoiceScope(scope Scope, arg func(any) string) (where, branches []string) {
	var cust *int64
	if scope.CustomerID != 0 {
		cust = &scope.CustomerID
	}
	// The role is written in, one of three constants, so that each role's statement plans for it: as an argument
	// its generic plan kept the rule's OR for any role, and read every document (TestInvoices_ReadTheirPage).
	role := "'none'"
	if scope.Role.Valid() {
		role = "'" + string(scope.Role) + "'"
	}
	where = []string{visibleInvoice(role, arg(cust))}
	switch scope.Role {
	case RoleAdmin: // the operator's index (invoices_operator_issued_idx, migration 00025) is partial on this
		where = append(where, "i.id > 0")
	case RoleClient:
		where = append(where, "i.customer_id = "+arg(scope.CustomerID))
	case RoleReseller:
		c := arg(scope.CustomerID)
		where = append(where, "(i.issuer_reseller_id = "+c+" OR i.customer_id = "+c+")")
		branches = []string{"i.issuer_reseller_id = " + c, "i.customer_id = " + c + " AND i.issuer_reseller_id IS DISTINCT FROM " + c}
	}
	return where, branches
}

// visibleInvoice is who may see an invoice (aliased i): admins every one; a reseller those it issued and those
// issued to it; a client those issued to it.
func visibleInvoice(role, cust string) string {
	return "(" + role + "::text = 'admin' OR (" + role + "::text = 'reseller' AND (i.issuer_reseller_id = " + cust +
		"::bigint OR i.customer_id = " + cust + "::bigint)) OR (" + role + "::text = 'client' AND i.customer_id = " + cust + "::bigint))"
}

// InvoiceListing is the invoices screen: a page of documents, totals over every match per kind and state, the
// customer filter's choices (admins and resellers: ForBuyers), and the viewer's own credit balance (clients and
// resellers, as buyers).
type InvoiceListing struct {
	Invoices []Invoice // as the list shows them (invoiceListCols): no document, hash, period or links
	Totals   []InvoiceTotals
	Choices  ClientChoices // the customer filter's: the buyers scope may filter by that match the filter's query
	Credit   []Amount      // per currency, those not zero
	Paging                 // its total is the totals' count
}

// Invoices lists a page of the invoices scope sees (issued by it, or to it) that match f, in two statements: one
// for the totals per kind and state (a state filter lists invoices only), the customer filter's choices
// (clientChoices, ForBuyers: at most MaxChoices) and the credit balance, and one for the page. The
// totals come from the invoice sums (invoiceSumRows) unless f has dates, which only the documents themselves know.
func (s Billing) Invoices(ctx context.Context, scope Scope, f InvoiceFilter) (InvoiceListing, error) {
	if !scope.Role.Valid() {
		return InvoiceListing{}, nil // no role sees any document
	}
	// Each statement numbers its own arguments: Postgres refuses one it is given but does not use.
	var head, args []any
	harg := func(v any) string { head = append(head, v); return "$" + strconv.Itoa(len(head)) }
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	var visible []string // what the live totals need, and only they
	dated := f.From != nil || f.To != nil
	if dated {
		visible, _ = invoiceScope(scope, harg)
	}
	var totals string
	if dated {
		totals = `SELECT i.kind, i.state, i.currency, count(*)::int AS count, coalesce(sum(i.total_minor), 0)::bigint AS total,
			coalesce(sum(CASE WHEN i.kind = 'invoice' AND i.state = 'issued' THEN greatest(i.total_minor - i.paid_minor - i.credited_minor, 0) ELSE 0 END), 0)::bigint AS open
			FROM invoices i WHERE ` + strings.Join(append(invoiceFilter(f, harg), visible...), " AND ") + ` GROUP BY i.kind, i.state, i.currency`
	} else {
		totals = `SELECT kind, state, currency, sum(count)::int AS count, sum(total_minor)::bigint AS total,
			sum(open_minor)::bigint AS open FROM (` + invoiceSumRows + `) s WHERE s.kind <> 'payment' AND ` + invoiceSums(scope, f, harg) + `
			GROUP BY kind, state, currency HAVING sum(count) > 0`
	}
	picker := clientChoices(scope, ChoiceQuery{For: ForBuyers, Query: f.ClientQuery, Chosen: f.CustomerID}, harg) // a client's: none
	// An admin's scope has customer 0, which no customer has (ids start at 1): no balance.
	headSQL := `SELECT
		(SELECT coalesce(json_agg(t ORDER BY t.kind DESC, t.state, t.currency), '[]') FROM (` + totals + `) t),
		` + picker + `,
		(SELECT coalesce(json_agg(a ORDER BY a.currency), '[]') FROM (SELECT currency, sum(amount_minor)::bigint AS minor
			FROM credit_entries WHERE customer_id = ` + harg(scope.CustomerID) + ` GROUP BY currency HAVING sum(amount_minor) <> 0) a)`
	var l InvoiceListing
	var choices []byte
	err := s.db.QueryRow(ctx, headSQL, plannedFor(f.ClientQuery, head)...).Scan(&l.Totals, &choices, &l.Credit)
	if err != nil {
		return InvoiceListing{}, wrap(err, "invoice totals")
	}
	if l.Choices, err = decodeChoices(choices); err != nil {
		return InvoiceListing{}, err
	}
	visible, branches := invoiceScope(scope, arg)
	filter := invoiceFilter(f, arg)
	// Issued documents all have their issue date (a CHECK), so the key is never NULL.
	sp := listSpec{cols: invoiceListCols, from: invoiceFrom + " WHERE " + strings.Join(append(slices.Clip(filter), visible...), " AND "),
		count: "0", order: "i.issued_on", cast: "date", id: "i.id", desc: true, per: InvoicesPerPage}
	if branches != nil { // each branch keeps the rule (visible[0]) and the filter
		sp.from = strings.Replace(invoiceFrom, "invoices i", branchesAlias, 1)
		for _, b := range branches {
			sp.branches = append(sp.branches, "SELECT "+invoiceListRow+" FROM invoices i WHERE "+strings.Join(append(slices.Clip(filter), visible[0], b), " AND "))
		}
	}
	if l.Invoices, l.Paging, err = listPage(ctx, s.db, sp, f.Keyset, args, invoiceListDest); err != nil {
		return InvoiceListing{}, wrap(err, "list invoices")
	}
	for _, t := range l.Totals {
		l.Paging.Total += t.Count
	}
	return l, nil
}

// customerLabel is how a picker names a customer (aliased c): "Company (Name)", or the name. Migration 00022
// indexes it, alone and per reseller (clientChoices walks those), and must be changed with it.
const customerLabel = `CASE WHEN c.company <> '' THEN c.company || ' (' || c.name || ')' ELSE c.name END`

// invoiceFilter is f's conditions on the listed documents (aliased i): never a draft.
func invoiceFilter(f InvoiceFilter, arg func(any) string) []string {
	filter := []string{"i.state <> 'draft'"}
	if f.State != "" { // a state is an invoice's: a credit note is "issued" for good and is not owed
		filter = append(filter, "i.kind = 'invoice'", "i.state = "+arg(f.State))
	}
	if f.CustomerID != 0 {
		filter = append(filter, "i.customer_id = "+arg(f.CustomerID))
	}
	if f.From != nil {
		filter = append(filter, "i.issued_on >= "+arg(*f.From)+"::date")
	}
	if f.To != nil {
		filter = append(filter, "i.issued_on <= "+arg(*f.To)+"::date")
	}
	return filter
}

// invoiceSumRows are the invoice list's sums (migration 00021): the folded ones and the changes not yet folded in.
const invoiceSumRows = `SELECT side, owner, issuer, kind, state, currency, count, total_minor, open_minor FROM invoice_sums
	UNION ALL SELECT side, owner, issuer, kind, state, currency, count, total_minor, open_minor FROM invoice_sum_changes`

// FoldInvoiceSums adds the changes writes to invoices have appended since the last fold to the invoice list's sums,
// and reports how many it folded. Safe to run at the same time as itself and as any write.
func (s Billing) FoldInvoiceSums(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, `WITH moved AS (DELETE FROM invoice_sum_changes RETURNING *), folded AS (
		INSERT INTO invoice_sums AS s (side, owner, issuer, kind, state, currency, count, total_minor, open_minor)
		SELECT side, owner, issuer, kind, state, currency, sum(count), sum(total_minor), sum(open_minor) FROM moved
		GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (side, owner, issuer, kind, state, currency) DO UPDATE SET count = s.count + excluded.count,
			total_minor = s.total_minor + excluded.total_minor, open_minor = s.open_minor + excluded.open_minor)
		SELECT count(*) FROM moved`).Scan(&n)
	return n, wrap(err, "fold invoice sums")
}

// invoiceSums is the condition on invoiceSumRows (aliased s) for the rows that sum the documents
// scope sees and f's state and customer select: a client's own buyer rows; a reseller's issuer rows and the buyer
// rows of what others issued to it (a customer: its buyer rows of what the reseller may see); the operator's issuer
// rows (a customer: its buyer rows). It is invoiceScope's rule written for the sums, which the rule's own test holds
// to the documents (TestInvoices_TotalsAgreeWithDocuments). An account linked to no customer sums nothing.
func invoiceSums(scope Scope, f InvoiceFilter, arg func(any) string) string {
	var where string
	switch c := scope.CustomerID; {
	case scope.Role == RoleAdmin && f.CustomerID == 0:
		where = "s.side = 'i'"
	case scope.Role == RoleAdmin:
		where = "s.side = 'c' AND s.owner = " + arg(f.CustomerID)
	case c == 0 || scope.Role != RoleReseller && scope.Role != RoleClient:
		return "false"
	case scope.Role == RoleClient && f.CustomerID != 0 && f.CustomerID != c:
		return "false"
	case scope.Role == RoleClient:
		where = "s.side = 'c' AND s.owner = " + arg(c)
	case f.CustomerID == 0:
		r := arg(c)
		where = "(s.side = 'i' AND s.owner = " + r + " OR s.side = 'c' AND s.owner = " + r + " AND s.issuer <> " + r + ")"
	default:
		r := arg(c)
		where = "s.side = 'c' AND s.owner = " + arg(f.CustomerID) + " AND (s.issuer = " + r + " OR s.owner = " + r + ")"
	}
	if f.State != "" {
		where += " AND s.kind = 'invoice' AND s.state = " + arg(f.State)
	}
	return where
}

// CreditNotesOf lists the credit notes issued against an invoice.
func (s Billing) CreditNotesOf(ctx context.Context, invoiceID int64) ([]Invoice, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+invoiceCols+invoiceFrom+` WHERE i.credits_invoice_id = $1 ORDER BY i.id`, invoiceID)
	list, err := pgx.CollectRows(rows, scanInvoice)
	return list, wrap(err, "credit notes of %d", invoiceID)
}

// CoveringInvoices lists a subscription's issued, not fully credited invoices for periods that end after day
// (the current period and any invoiced in advance), by period.
func (s Billing) CoveringInvoices(ctx context.Context, subscriptionID int64, day time.Time) ([]Invoice, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+invoiceCols+invoiceFrom+` WHERE i.subscription_id = $1 AND i.kind = 'invoice'
		AND i.state IN ('issued', 'paid') AND i.period_to > $2::date ORDER BY i.period_from, i.id FOR UPDATE OF i`, subscriptionID, day)
	list, err := pgx.CollectRows(rows, scanInvoice)
	return list, wrap(err, "invoices of subscription %d", subscriptionID)
}
