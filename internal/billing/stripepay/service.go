package stripepay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v82"

	"portal/internal/billing"
	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/secret"
	"portal/internal/store"
)

// Provider is the name payments and events of this package carry.
const Provider = "stripe"

// Ledger is the part of billing's ledger that webhook events change. Every method runs inside the caller's
// transaction (the one that stores the event). ApplyPayment is idempotent per (Provider, Reference).
type Ledger interface {
	ApplyPayment(ctx context.Context, tx pgx.Tx, p billing.Payment) error
	MarkPaymentPending(ctx context.Context, tx pgx.Tx, invoiceID int64, provider, reference string) error
	ClearPaymentPending(ctx context.Context, tx pgx.Tx, invoiceID int64, provider, reference string) error
}

// InvoiceSource reads billing's invoices for payments.
type InvoiceSource interface {
	// InvoiceForCheckout returns what a Checkout Session for invoiceID needs (SuccessURL and CancelURL may be left
	// empty) and the invoice's issuer, when the actor may pay it: the invoice is the actor's own (ownership checked
	// in SQL) and open. Errors: store.ErrNotFound for an invoice the actor may not see, a *fail.Error when it
	// can't be paid now (paid, void, nothing due).
	InvoiceForCheckout(ctx context.Context, a hosting.Actor, invoiceID int64) (CheckoutRequest, Issuer, error)
	// InvoiceIssuer returns the issuer of invoiceID inside tx. A webhook applies an event only to invoices of the
	// issuer whose endpoint (and signing secret) received it: an issuer knows its own secret and could otherwise
	// sign events about another issuer's invoices. Errors: store.ErrNotFound.
	InvoiceIssuer(ctx context.Context, tx pgx.Tx, invoiceID int64) (Issuer, error)
}

// Issuer is who issues invoices and receives their payments: a reseller (its customer id) or the operator (0).
type Issuer int64

// Operator is the operator as an issuer.
const Operator Issuer = 0

// ParseIssuer reads an issuer from a webhook URL: "operator" or a reseller's id.
func ParseIssuer(key string) (Issuer, bool) {
	if key == "operator" {
		return Operator, true
	}
	n, err := strconv.ParseInt(key, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != key {
		return 0, false
	}
	return Issuer(n), true
}

// Key is the issuer as it appears in its webhook URL.
func (i Issuer) Key() string {
	if i == Operator {
		return "operator"
	}
	return strconv.FormatInt(int64(i), 10)
}

// ResellerID is the issuer as the tables store it (reseller_id; nil for the operator).
func (i Issuer) ResellerID() *int64 {
	if i == Operator {
		return nil
	}
	id := int64(i)
	return &id
}

func issuerOfRow(resellerID *int64) Issuer {
	if resellerID == nil {
		return Operator
	}
	return Issuer(*resellerID)
}

// issuerOf is the issuer an actor manages payment settings for: an admin the operator's, a reseller its own.
func issuerOf(a hosting.Actor) (Issuer, error) {
	switch a.Effective.Role {
	case store.RoleAdmin:
		return Operator, nil
	case store.RoleReseller:
		if a.Effective.CustomerID != nil {
			return Issuer(*a.Effective.CustomerID), nil
		}
	}
	return 0, store.ErrNotFound
}

// Config are a Service's settings.
type Config struct {
	Box     *secret.Box // seals the keys; nil (no PORTAL_SECRET_KEY): keys can't be stored or used
	Backend Backend     // where the Stripe API is
	BaseURL string      // the portal's public address, for the webhook URL shown and the checkout return URLs
	Now     func() time.Time
	Log     *slog.Logger
}

// Service keeps the issuers' Stripe settings, creates Checkout Sessions and processes webhook events.
type Service struct {
	pool     *pgxpool.Pool
	cfg      Config
	ledger   Ledger
	invoices InvoiceSource
}

// New returns a Service. ledger and invoices are billing's; with ledger nil webhook events are refused (and Stripe
// retries them), with invoices nil nothing can be paid.
func New(pool *pgxpool.Pool, ledger Ledger, invoices InvoiceSource, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, cfg: cfg, ledger: ledger, invoices: invoices}
}

// Sealing contexts: a sealed value opens only for its issuer and field.
func secretKeyContext(i Issuer) string     { return "payment:stripe:secret_key:" + i.Key() }
func webhookSecretContext(i Issuer) string { return "payment:stripe:webhook_secret:" + i.Key() }

// Settings is an issuer's Stripe configuration as its settings page shows it: secrets only as "set" or not.
type Settings struct {
	Issuer           Issuer
	PublishableKey   string
	SecretKeySet     bool
	WebhookSecretSet bool
	Enabled          bool
	UpdatedAt        time.Time // zero: never saved
	WebhookURL       string    // the endpoint to enter in Stripe's dashboard
	CanSave          bool      // the portal has a secret key to seal them with
}

// Settings returns the actor's issuer's Stripe settings (admins: the operator's; resellers: their own).
func (s *Service) Settings(ctx context.Context, a hosting.Actor) (Settings, error) {
	issuer, err := issuerOf(a)
	if err != nil {
		return Settings{}, err
	}
	out := Settings{Issuer: issuer, WebhookURL: s.WebhookURL(issuer), CanSave: s.cfg.Box != nil}
	p, err := store.NewPaymentProviders(s.pool).Get(ctx, issuer.ResellerID(), Provider)
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return Settings{}, err
	}
	out.PublishableKey, out.Enabled, out.UpdatedAt = p.PublishableKey, p.Enabled, p.UpdatedAt
	out.SecretKeySet, out.WebhookSecretSet = p.SecretKeyEnc != nil, p.WebhookSecretEnc != nil
	return out, nil
}

// WebhookURL is the address Stripe must send the issuer's events to.
func (s *Service) WebhookURL(i Issuer) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/webhooks/stripe/" + i.Key()
}

// SettingsInput is the settings form. An empty secret keeps the stored one.
type SettingsInput struct {
	PublishableKey string
	SecretKey      string
	WebhookSecret  string
}

// SaveSettings stores the actor's issuer's Stripe keys, the secrets sealed. Each key's form is checked (pk_…,
// sk_… or rk_…, whsec_…; test and live keys not mixed) and a new secret key is tried against Stripe; a secret left
// empty keeps the stored one, and the first save needs both. Audited, without the secrets.
func (s *Service) SaveSettings(ctx context.Context, a hosting.Actor, in SettingsInput) (Settings, error) {
	issuer, err := issuerOf(a)
	if err != nil {
		return Settings{}, err
	}
	if !a.Recent { // where the money goes: the acting person confirms it is them first
		return Settings{}, fail.ErrReauth
	}
	if s.cfg.Box == nil {
		return Settings{}, fail.Invalid("Stripe keys can only be stored when the portal has a secret key to encrypt them (PORTAL_SECRET_KEY).")
	}
	cur, err := store.NewPaymentProviders(s.pool).Get(ctx, issuer.ResellerID(), Provider)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Settings{}, err
	}
	in.PublishableKey, in.SecretKey, in.WebhookSecret = strings.TrimSpace(in.PublishableKey), strings.TrimSpace(in.SecretKey), strings.TrimSpace(in.WebhookSecret)
	errs := fail.Fields{}
	pkMode, ok := keyMode(in.PublishableKey, "pk_")
	if !ok {
		errs.Add("publishable_key", "Enter the publishable key from Stripe's dashboard (it starts with pk_test_ or pk_live_).")
	}
	switch skMode, ok := keyMode(in.SecretKey, "sk_", "rk_"); {
	case in.SecretKey == "" && cur.SecretKeyEnc == nil:
		errs.Add("secret_key", "Enter the secret key (sk_…) or a restricted key (rk_…).")
	case in.SecretKey != "" && !ok:
		errs.Add("secret_key", "That is not a Stripe secret key: it starts with sk_test_, sk_live_, rk_test_ or rk_live_.")
	case in.SecretKey != "" && pkMode != "" && skMode != pkMode:
		errs.Add("secret_key", fmt.Sprintf("The secret key is a %s key and the publishable key a %s key; use keys of one mode.", skMode, pkMode))
	}
	switch {
	case in.WebhookSecret == "" && cur.WebhookSecretEnc == nil:
		errs.Add("webhook_secret", "Enter the webhook's signing secret (whsec_…), shown in Stripe when you add the endpoint.")
	case in.WebhookSecret != "" && !(strings.HasPrefix(in.WebhookSecret, "whsec_") && plainToken(in.WebhookSecret, 16)):
		errs.Add("webhook_secret", "That is not a webhook signing secret: it starts with whsec_.")
	}
	if err := errs.Err(); err != nil {
		return Settings{}, err
	}
	// A new secret key is tried first, like a platform's login: a wrong key is a field error and nothing is saved.
	if in.SecretKey != "" {
		if err := NewClient(in.SecretKey, s.cfg.Backend).Check(ctx); err != nil {
			return Settings{}, err
		}
	}
	p := store.PaymentProvider{ResellerID: issuer.ResellerID(), Provider: Provider, PublishableKey: in.PublishableKey}
	var changed []string
	if in.SecretKey != "" {
		p.SecretKeyEnc = s.cfg.Box.Seal(in.SecretKey, secretKeyContext(issuer))
		changed = append(changed, "secret key")
	}
	if in.WebhookSecret != "" {
		p.WebhookSecretEnc = s.cfg.Box.Seal(in.WebhookSecret, webhookSecretContext(issuer))
		changed = append(changed, "webhook secret")
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := store.NewPaymentProviders(tx).Save(ctx, p, s.cfg.Now()); err != nil {
			return err
		}
		detail := "publishable key " + in.PublishableKey
		if len(changed) > 0 {
			detail += "; new " + strings.Join(changed, " and ")
		}
		return audit(ctx, tx, a, "payment.settings", "issuer", issuer.Key(), store.OutcomeSuccess, detail)
	})
	if err != nil {
		return Settings{}, err
	}
	return s.Settings(ctx, a)
}

// keyMode returns "test" or "live" for a key like pk_test_… and whether it has one of prefixes and that form.
func keyMode(k string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(k, p)
		if !ok {
			continue
		}
		for _, mode := range []string{"test", "live"} {
			if strings.HasPrefix(rest, mode+"_") && plainToken(k, len(p)+len(mode)+2) {
				return mode, true
			}
		}
	}
	return "", false
}

// plainToken: at least minLen characters, at most 255, letters, digits and underscores only.
func plainToken(k string, minLen int) bool {
	if len(k) < minLen || len(k) > 255 {
		return false
	}
	for _, c := range k {
		if !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// keys opens an issuer's stored keys. Errors: store.ErrNotFound when the issuer has no enabled Stripe account.
func (s *Service) keys(ctx context.Context, issuer Issuer) (secretKey, webhookSecret string, err error) {
	if s.cfg.Box == nil {
		return "", "", fmt.Errorf("stripepay: issuer %s: %w (no PORTAL_SECRET_KEY)", issuer.Key(), store.ErrNotFound)
	}
	p, err := store.NewPaymentProviders(s.pool).Get(ctx, issuer.ResellerID(), Provider)
	if err != nil {
		return "", "", err
	}
	if !p.Enabled {
		return "", "", fmt.Errorf("stripepay: issuer %s: %w (not enabled)", issuer.Key(), store.ErrNotFound)
	}
	if secretKey, err = s.cfg.Box.Open(p.SecretKeyEnc, secretKeyContext(issuer)); err != nil {
		return "", "", fmt.Errorf("stripepay: issuer %s secret key: %w", issuer.Key(), err)
	}
	if webhookSecret, err = s.cfg.Box.Open(p.WebhookSecretEnc, webhookSecretContext(issuer)); err != nil {
		return "", "", fmt.Errorf("stripepay: issuer %s webhook secret: %w", issuer.Key(), err)
	}
	return secretKey, webhookSecret, nil
}

// Available reports whether an issuer (a reseller's id; nil: the operator) takes Stripe payments: its keys are
// stored and enabled, and the portal can open them. Billing offers "pay now" only then.
func (s *Service) Available(ctx context.Context, resellerID *int64) (bool, error) {
	if s.cfg.Box == nil {
		return false, nil
	}
	p, err := store.NewPaymentProviders(s.pool).Get(ctx, resellerID, Provider)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && p.Enabled, err
}

// Pay starts paying an invoice by card: the invoice must be the actor's and open (InvoiceSource checks both in
// SQL), its issuer must take Stripe payments; it returns the Checkout Session's URL to send the payer to.
func (s *Service) Pay(ctx context.Context, a hosting.Actor, invoiceID int64) (string, error) {
	if s.invoices == nil {
		return "", fail.Conflict("Paying online is not available.")
	}
	req, issuer, err := s.invoices.InvoiceForCheckout(ctx, a, invoiceID)
	if err != nil {
		return "", err
	}
	sk, _, err := s.keys(ctx, issuer)
	if errors.Is(err, store.ErrNotFound) {
		return "", fail.Conflict("Paying online is not available for this invoice; please pay by bank transfer.")
	}
	if err != nil {
		return "", err
	}
	base := strings.TrimRight(s.cfg.BaseURL, "/") + "/invoices/" + strconv.FormatInt(invoiceID, 10)
	if req.SuccessURL == "" {
		req.SuccessURL = base + "?checkout=success"
	}
	if req.CancelURL == "" {
		req.CancelURL = base + "?checkout=cancelled"
	}
	req.InvoiceID = invoiceID
	_, url, err := NewClient(sk, s.cfg.Backend).CreateCheckout(ctx, req)
	if err != nil {
		s.cfg.Log.WarnContext(ctx, "stripe checkout failed", "invoice_id", invoiceID, "issuer", issuer.Key(), "err", err)
		return "", fail.Platform("Stripe did not open the payment page. Please try again shortly.")
	}
	return url, nil
}

// ErrUnknownIssuer means a webhook arrived for an issuer without an enabled Stripe account.
var ErrUnknownIssuer = errors.New("stripepay: no Stripe account for this webhook address")

// ErrNoLedger means webhooks can't be applied because billing's ledger is not wired.
var ErrNoLedger = errors.New("stripepay: no ledger to apply payments to")

// Bad webhook deliveries (unknown issuer, bad signature) are counted per issuer and hour in attempt_counts instead
// of one audit row each, so a flood of forged requests can't flood the audit log.
const badWebhookScope = "webhook.stripe.refused"

// Process handles one webhook delivery to the endpoint of issuerKey ("operator" or a reseller's id): it verifies
// the signature with that issuer's webhook secret (ErrSignature, ErrUnknownIssuer otherwise; both are counted,
// not audited), then, in one transaction, stores the event by its id and applies its effect to the ledger, and
// records the outcome. A delivery of an event already applied or ignored does nothing and returns nil; two
// deliveries at once serialise on the event's row, so exactly one has the effect. When applying fails, nothing of
// it stays, the event is recorded as failed (visible to the admin, retried by Stripe and by a replay) and the error
// is returned.
func (s *Service) Process(ctx context.Context, issuerKey string, payload []byte, sigHeader string) error {
	now := s.cfg.Now()
	issuer, ok := ParseIssuer(issuerKey)
	var whsec string
	var err error
	if ok {
		_, whsec, err = s.keys(ctx, issuer)
	}
	if !ok || errors.Is(err, store.ErrNotFound) {
		s.countRefused(ctx, "unknown", now)
		return ErrUnknownIssuer
	}
	if err != nil {
		return err
	}
	ev, err := Verify(payload, sigHeader, whsec, now)
	if err != nil {
		s.countRefused(ctx, issuer.Key(), now)
		return err
	}
	if s.ledger == nil || s.invoices == nil {
		return ErrNoLedger
	}
	row := store.PaymentEvent{Provider: Provider, EventID: ev.ID, ResellerID: issuer.ResellerID(), Type: string(ev.Type), Payload: payload}
	var applyErr error
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		stored, process, err := store.NewPaymentEvents(tx).Claim(ctx, row, now)
		if err != nil || !process {
			return err
		}
		outcome, why, err := s.apply(ctx, tx, issuer, ev)
		if err != nil {
			applyErr = err
			return err
		}
		return store.NewPaymentEvents(tx).Finish(ctx, stored.ID, outcome, why, false, now)
	})
	if applyErr != nil {
		s.cfg.Log.WarnContext(ctx, "stripe event not applied", "event_id", ev.ID, "type", ev.Type, "issuer", issuer.Key(), "err", applyErr)
		if ferr := store.NewPaymentEvents(s.pool).Failed(context.WithoutCancel(ctx), row, applyErr.Error(), now); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}

func (s *Service) countRefused(ctx context.Context, key string, now time.Time) {
	if _, err := store.NewAttempts(s.pool).Hit(context.WithoutCancel(ctx), badWebhookScope, key, time.Hour, now); err != nil {
		s.cfg.Log.ErrorContext(ctx, "count refused webhook", "err", err)
	}
}

// apply gives ev's effect to the ledger inside tx and returns the event's outcome and, for an ignored event, why.
func (s *Service) apply(ctx context.Context, tx pgx.Tx, issuer Issuer, ev stripe.Event) (outcome, why string, err error) {
	e, err := effectOf(ev)
	if err != nil {
		return "", "", err
	}
	if e.kind == "" {
		return store.EventIgnored, e.why, nil
	}
	owner, err := s.invoices.InvoiceIssuer(ctx, tx, e.invoiceID)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("invoice %d does not exist", e.invoiceID)
	}
	if err != nil {
		return "", "", err
	}
	if owner != issuer {
		return "", "", fmt.Errorf("invoice %d belongs to issuer %s, not to %s whose endpoint received the event", e.invoiceID, owner.Key(), issuer.Key())
	}
	switch e.kind {
	case "payment":
		err = s.ledger.ApplyPayment(ctx, tx, e.payment)
	case "pending":
		err = s.ledger.MarkPaymentPending(ctx, tx, e.invoiceID, Provider, e.payment.Reference)
	case "clear":
		err = s.ledger.ClearPaymentPending(ctx, tx, e.invoiceID, Provider, e.payment.Reference)
	}
	if err != nil {
		return "", "", fmt.Errorf("ledger: %w", err)
	}
	return store.EventApplied, "", nil
}

// Replay applies a stored event again, inside a transaction, as an admin's repair (after a failure was fixed, or
// to check that nothing is missing). The ledger's idempotency per payment reference keeps an applied event from
// counting twice. The stored payload is not verified again: it was when it arrived. Audited.
func (s *Service) Replay(ctx context.Context, a hosting.Actor, eventID int64) (outcome string, err error) {
	if a.Effective.Role != store.RoleAdmin {
		return "", store.ErrNotFound
	}
	if s.ledger == nil || s.invoices == nil {
		return "", fail.Conflict("Payments can't be applied: billing's ledger is not available.")
	}
	now := s.cfg.Now()
	var stored store.PaymentEvent
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if stored, err = store.NewPaymentEvents(tx).Lock(ctx, eventID); err != nil {
			return err
		}
		var ev stripe.Event
		if err := json.Unmarshal(stored.Payload, &ev); err != nil {
			return fmt.Errorf("%w: %v", ErrPayload, err)
		}
		outcome, why, err := s.apply(ctx, tx, issuerOfRow(stored.ResellerID), ev)
		if err != nil {
			return err
		}
		if err := store.NewPaymentEvents(tx).Finish(ctx, stored.ID, outcome, why, true, now); err != nil {
			return err
		}
		stored.Outcome = outcome
		return audit(ctx, tx, a, "payment.event.replay", "payment_event", strconv.FormatInt(eventID, 10), store.OutcomeSuccess,
			stored.EventID+" "+stored.Type+": "+outcome)
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	if err != nil {
		if aerr := audit(context.WithoutCancel(ctx), s.pool, a, "payment.event.replay", "payment_event", strconv.FormatInt(eventID, 10),
			store.OutcomeFailure, err.Error()); aerr != nil {
			s.cfg.Log.ErrorContext(ctx, "audit append failed", "err", aerr)
		}
		return "", fail.Conflict("The event could not be applied: %v", err)
	}
	return stored.Outcome, nil
}

// EventFilter narrows the events list. Issuer is "" (every issuer's; admins only), "operator" or a reseller's id.
type EventFilter struct {
	Issuer  string
	Type    string
	Outcome string
	Before  int64
}

// Events lists stored webhook events newest first: admins every issuer's (or one's, by the filter), a reseller
// only the events its own endpoint received, whatever the filter says.
func (s *Service) Events(ctx context.Context, a hosting.Actor, f EventFilter) ([]store.PaymentEvent, bool, error) {
	sf := store.PaymentEventFilter{Type: f.Type, Outcome: f.Outcome, Before: f.Before}
	switch a.Effective.Role {
	case store.RoleAdmin:
		if f.Issuer == "" {
			sf.AllIssuers = true
		} else if i, ok := ParseIssuer(f.Issuer); ok {
			sf.ResellerID = i.ResellerID()
		} else {
			return nil, false, fail.Field("issuer", "Enter operator or a reseller's number.")
		}
	default:
		issuer, err := issuerOf(a)
		if err != nil {
			return nil, false, err
		}
		sf.ResellerID = issuer.ResellerID()
	}
	return store.NewPaymentEvents(s.pool).List(ctx, sf)
}

// Event returns one stored event the actor may see. Errors: store.ErrNotFound.
func (s *Service) Event(ctx context.Context, a hosting.Actor, id int64) (store.PaymentEvent, error) {
	return store.NewPaymentEvents(s.pool).Visible(ctx, a.Scope(), id)
}

func audit(ctx context.Context, db store.DBTX, a hosting.Actor, action, objType, objID, outcome, detail string) error {
	return store.NewAuditLog(db).Append(ctx, store.AuditEntry{
		ActingAccountID: &a.Acting.ID, ActingEmail: a.Acting.Email, EffectiveAccountID: &a.Effective.ID,
		EffectiveEmail: a.Effective.Email, Action: action, ObjectType: objType, ObjectID: objID, IP: a.IP,
		Outcome: outcome, Detail: detail,
	})
}
