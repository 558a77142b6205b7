package stripepay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"portal/internal/billing"
)

// Tolerance is how far a webhook's signed timestamp may lie from the portal's clock, either way.
const Tolerance = 300 * time.Second

var (
	// ErrSignature means a webhook is not signed with the issuer's webhook secret (or the header is missing or
	// malformed).
	ErrSignature = errors.New("stripepay: webhook signature does not match")
	// ErrTooOld means the signature is right but its timestamp is outside Tolerance: a replayed delivery.
	ErrTooOld = fmt.Errorf("%w: timestamp outside the %s tolerance", ErrSignature, Tolerance)
	// ErrPayload means a correctly signed body is not a Stripe event.
	ErrPayload = errors.New("stripepay: webhook body is not a Stripe event")
)

// Verify checks a webhook delivery the way Stripe signs it — header "t=<unix>,v1=<hex HMAC-SHA256(secret,
// t + "." + payload)>", possibly with several v1 signatures while a secret is being rolled — against now, and
// returns the event. stripe-go checks the signatures and parses the event; its own tolerance check reads the wall
// clock, so the timestamp is checked here against now instead (tests move it).
func Verify(payload []byte, header, secret string, now time.Time) (stripe.Event, error) {
	signed, ok := signedAt(header)
	if !ok {
		return stripe.Event{}, ErrSignature
	}
	ev, err := webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{
		IgnoreTolerance: true,
		// The endpoint's API version is chosen in the issuer's Stripe dashboard; the few fields read here are the
		// same in every version, and they are read from the raw object (checkoutSession), not stripe-go's types.
		IgnoreAPIVersionMismatch: true,
	})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrNoValidSignature):
		return stripe.Event{}, ErrSignature
	case err != nil:
		return stripe.Event{}, fmt.Errorf("%w: %v", ErrPayload, err)
	}
	if d := now.Sub(signed); d > Tolerance || d < -Tolerance {
		return stripe.Event{}, ErrTooOld
	}
	if ev.ID == "" || ev.Type == "" {
		return stripe.Event{}, fmt.Errorf("%w: no id or type", ErrPayload)
	}
	return ev, nil
}

// signedAt reads the header's timestamp as stripe-go does (the last t= wins).
func signedAt(header string) (time.Time, bool) {
	var t time.Time
	found := false
	for _, pair := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || k != "t" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		t, found = time.Unix(n, 0), true
	}
	return t, found
}

// checkoutSession is the part of a Checkout Session object that billing reads.
type checkoutSession struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	PaymentStatus string            `json:"payment_status"` // paid, unpaid, no_payment_required
	AmountTotal   int64             `json:"amount_total"`
	Currency      string            `json:"currency"`
	Metadata      map[string]string `json:"metadata"`
}

// effect is what an event asks of the ledger.
type effect struct {
	kind      string // "payment", "pending", "clear", or "" (nothing)
	invoiceID int64
	payment   billing.Payment
	why       string // for an event that asks nothing: why not
}

// effectOf reads what ev asks of the ledger. Events of other types, and sessions the portal didn't create (no
// invoice_id in their metadata), ask nothing.
func effectOf(ev stripe.Event) (effect, error) {
	var kind string
	switch ev.Type {
	case "checkout.session.completed":
		kind = "completed"
	case "checkout.session.async_payment_succeeded":
		kind = "payment"
	case "checkout.session.async_payment_failed", "checkout.session.expired":
		kind = "clear"
	default:
		return effect{why: "event type not used"}, nil
	}
	if ev.Data == nil {
		return effect{}, fmt.Errorf("%w: %s without data", ErrPayload, ev.Type)
	}
	var s checkoutSession
	if err := json.Unmarshal(ev.Data.Raw, &s); err != nil || s.Object != "checkout.session" || s.ID == "" {
		return effect{}, fmt.Errorf("%w: %s without a checkout session", ErrPayload, ev.Type)
	}
	raw, ok := s.Metadata["invoice_id"]
	if !ok {
		return effect{why: "not the portal's session (no invoice_id)"}, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return effect{}, fmt.Errorf("%w: invoice_id %q", ErrPayload, raw)
	}
	if kind == "completed" {
		switch s.PaymentStatus {
		case "paid":
			kind = "payment"
		case "unpaid": // a delayed method (SEPA debit, bank transfer): the money is on its way
			kind = "pending"
		default:
			return effect{why: "payment status " + s.PaymentStatus}, nil
		}
	}
	e := effect{kind: kind, invoiceID: id}
	if kind == "payment" {
		if s.AmountTotal <= 0 || len(s.Currency) != 3 {
			return effect{}, fmt.Errorf("%w: paid session %s without an amount", ErrPayload, s.ID)
		}
		// The reference is the session: the completed and the async-succeeded events of one session are one payment.
		e.payment = billing.Payment{InvoiceID: id, Amount: billing.Money{Minor: s.AmountTotal, Currency: strings.ToUpper(s.Currency)},
			Provider: Provider, Reference: s.ID, PaidAt: time.Unix(ev.Created, 0).UTC()}
	} else {
		e.payment.Reference = s.ID
	}
	return e, nil
}
