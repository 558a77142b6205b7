package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// PaymentProvider is an issuer's account with a payment provider (Stripe): the operator's (ResellerID nil) or a
// reseller's. The secrets are sealed with PORTAL_SECRET_KEY (internal/secret); nil when not set.
type PaymentProvider struct {
	ID               int64
	ResellerID       *int64
	Provider         string
	PublishableKey   string
	SecretKeyEnc     []byte
	WebhookSecretEnc []byte
	Enabled          bool
	UpdatedAt        time.Time
}

const providerCols = `id, reseller_id, provider, publishable_key, secret_key_enc, webhook_secret_enc, enabled, updated_at`

// PaymentProviders reads and writes payment_providers.
type PaymentProviders struct{ db DBTX }

// NewPaymentProviders returns the payment providers over db.
func NewPaymentProviders(db DBTX) PaymentProviders { return PaymentProviders{db: db} }

// Get returns the issuer's settings for provider. Errors: ErrNotFound when the issuer has none.
func (s PaymentProviders) Get(ctx context.Context, resellerID *int64, provider string) (PaymentProvider, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+providerCols+` FROM payment_providers
		WHERE coalesce(reseller_id, 0) = coalesce($1::bigint, 0) AND provider = $2`, resellerID, provider)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PaymentProvider])
	return out, wrap(err, "payment provider %s of issuer %v", provider, resellerID)
}

// Save writes the issuer's settings: the publishable key always, each sealed secret only when it is not nil (nil
// keeps the stored one). Enabled is true once both secrets are stored.
func (s PaymentProviders) Save(ctx context.Context, p PaymentProvider, now time.Time) (PaymentProvider, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO payment_providers AS p (reseller_id, provider, publishable_key, secret_key_enc, webhook_secret_enc,
			enabled, updated_at)
		VALUES ($1, $2, $3, $4, $5, $4::bytea IS NOT NULL AND $5::bytea IS NOT NULL, $6)
		ON CONFLICT (coalesce(reseller_id, 0), provider) DO UPDATE SET
			publishable_key    = $3,
			secret_key_enc     = coalesce($4, p.secret_key_enc),
			webhook_secret_enc = coalesce($5, p.webhook_secret_enc),
			enabled            = coalesce($4, p.secret_key_enc) IS NOT NULL AND coalesce($5, p.webhook_secret_enc) IS NOT NULL,
			updated_at         = $6
		RETURNING `+providerCols, p.ResellerID, p.Provider, p.PublishableKey, p.SecretKeyEnc, p.WebhookSecretEnc, now)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PaymentProvider])
	return out, wrap(err, "save payment provider %s of issuer %v", p.Provider, p.ResellerID)
}

// PaymentEvent is a webhook event as a provider delivered it, with what processing it did.
type PaymentEvent struct {
	ID          int64
	Provider    string
	EventID     string
	ResellerID  *int64 // the issuer whose endpoint received it; nil: the operator
	Type        string
	Payload     json.RawMessage
	ReceivedAt  time.Time
	ProcessedAt *time.Time
	Outcome     string
	Error       string
	Replays     int
}

// Payment event outcomes.
const (
	EventReceived = "received" // only inside the transaction that stores it
	EventApplied  = "applied"
	EventIgnored  = "ignored"
	EventFailed   = "failed"
)

const eventCols = `id, provider, event_id, reseller_id, type, payload, received_at, processed_at, outcome, error, replays`

// PaymentEvents reads and writes payment_events.
type PaymentEvents struct{ db DBTX }

// NewPaymentEvents returns the payment events over db.
func NewPaymentEvents(db DBTX) PaymentEvents { return PaymentEvents{db: db} }

// Claim stores a delivered event, or finds the stored one, and locks its row until the transaction ends, so a
// concurrent delivery of the same id waits here. It returns the row and whether this delivery should process it:
// true for an event not seen before and for one whose processing failed; false for one already applied or ignored.
// The event must be delivered by the same issuer's endpoint as before; otherwise ErrConflict.
func (s PaymentEvents) Claim(ctx context.Context, e PaymentEvent, now time.Time) (PaymentEvent, bool, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO payment_events (provider, event_id, reseller_id, type, payload, received_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (provider, event_id) DO NOTHING
		RETURNING `+eventCols, e.Provider, e.EventID, e.ResellerID, e.Type, e.Payload, now)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PaymentEvent])
	if err == nil {
		return out, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return PaymentEvent{}, false, wrap(err, "store payment event %s", e.EventID)
	}
	// Stored before (or by a delivery that just committed): lock it and look.
	rows, _ = s.db.Query(ctx, `SELECT `+eventCols+` FROM payment_events WHERE provider = $1 AND event_id = $2 FOR UPDATE`,
		e.Provider, e.EventID)
	out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PaymentEvent])
	if err != nil {
		return PaymentEvent{}, false, wrap(err, "payment event %s", e.EventID)
	}
	if !sameIssuer(out.ResellerID, e.ResellerID) {
		return out, false, wrap(ErrConflict, "payment event %s arrived at another issuer's endpoint", e.EventID)
	}
	return out, out.Outcome == EventFailed, nil
}

func sameIssuer(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// Lock locks a stored event's row for a replay. Errors: ErrNotFound.
func (s PaymentEvents) Lock(ctx context.Context, id int64) (PaymentEvent, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+eventCols+` FROM payment_events WHERE id = $1 FOR UPDATE`, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PaymentEvent])
	return out, wrap(err, "payment event %d", id)
}

// Finish records what processing an event did. replay counts a replay.
func (s PaymentEvents) Finish(ctx context.Context, id int64, outcome, errText string, replay bool, now time.Time) error {
	_, err := s.db.Exec(ctx, `UPDATE payment_events SET outcome = $2, error = $3, processed_at = $4,
		replays = replays + CASE WHEN $5 THEN 1 ELSE 0 END WHERE id = $1`, id, outcome, errText, now, replay)
	return wrap(err, "finish payment event %d", id)
}

// Failed records that processing a delivered event failed, after the transaction that tried it was rolled back: the
// event is stored (if no other delivery stored it meanwhile) with outcome failed, so the admin sees it and a retry
// or a replay processes it again. An event already applied or ignored is left alone.
func (s PaymentEvents) Failed(ctx context.Context, e PaymentEvent, errText string, now time.Time) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO payment_events AS e (provider, event_id, reseller_id, type, payload, received_at, processed_at, outcome, error)
		VALUES ($1, $2, $3, $4, $5, $6, $6, 'failed', $7)
		ON CONFLICT (provider, event_id) DO UPDATE SET outcome = 'failed', error = $7, processed_at = $6
		WHERE e.outcome = 'failed' AND coalesce(e.reseller_id, 0) = coalesce($3::bigint, 0)`,
		e.Provider, e.EventID, e.ResellerID, e.Type, e.Payload, now, errText)
	return wrap(err, "record failed payment event %s", e.EventID)
}

// PaymentEventFilter narrows a list of events. Issuer nil with AllIssuers lists every issuer's (admins).
type PaymentEventFilter struct {
	AllIssuers bool
	ResellerID *int64 // without AllIssuers: this issuer's only (nil: the operator's)
	Type       string
	Outcome    string
	Before     int64 // keyset pagination: only rows with id < Before
	Limit      int
}

// List returns events newest first, plus whether more follow.
func (s PaymentEvents) List(ctx context.Context, f PaymentEventFilter) ([]PaymentEvent, bool, error) {
	q := newNewestFirst(f.Limit, f.Before)
	if !f.AllIssuers {
		q.add("coalesce(reseller_id, 0) = coalesce(" + q.arg(f.ResellerID) + "::bigint, 0)")
	}
	if f.Type != "" {
		q.add("type = " + q.arg(f.Type))
	}
	if f.Outcome != "" {
		q.add("outcome = " + q.arg(f.Outcome))
	}
	rows, _ := q.query(ctx, s.db, `SELECT `+eventCols+` FROM payment_events`)
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[PaymentEvent])
	if err != nil {
		return nil, false, wrap(err, "list payment events")
	}
	list, more := page(q, list)
	return list, more, nil
}

// Visible returns event id if scope may see it (admins: all; a reseller: the events of its own endpoint).
// Errors: ErrNotFound.
func (s PaymentEvents) Visible(ctx context.Context, scope Scope, id int64) (PaymentEvent, error) {
	if err := Resolve(ctx, s.db, scope, KindPaymentEvent, id); err != nil {
		return PaymentEvent{}, err
	}
	rows, _ := s.db.Query(ctx, `SELECT `+eventCols+` FROM payment_events WHERE id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[PaymentEvent])
	return out, wrap(err, "payment event %d", id)
}
