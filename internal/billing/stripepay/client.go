// Package stripepay takes invoice payments through Stripe Checkout, one Stripe account per issuer (the operator or
// a reseller): a Checkout Session per invoice, and a webhook endpoint per issuer whose events are verified (HMAC,
// 300 s tolerance), stored once by their id and applied to the ledger in the transaction that stores them, so a
// retried or concurrent delivery has no second effect. The issuers' keys are kept sealed (internal/secret).
//
// The ledger itself (invoices, payments, pending payments) is billing's; this package reaches it through the
// Ledger and InvoiceSource interfaces.
package stripepay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"portal/internal/billing"
	"portal/internal/fail"
)

// Backend says where the Stripe API is: URL "" is Stripe's own; tests point it at stripefake.
type Backend struct {
	URL        string
	HTTPClient *http.Client // nil: a client with a 30 s timeout
}

// Client calls the Stripe API with one issuer's secret key.
type Client struct{ sc *stripe.Client }

// NewClient returns a Client for secretKey against b.
func NewClient(secretKey string, b Backend) *Client {
	hc := b.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	cfg := &stripe.BackendConfig{
		HTTPClient:      hc,
		EnableTelemetry: stripe.Bool(false),
		LeveledLogger:   &stripe.LeveledLogger{Level: stripe.LevelNull},
		// Retries reuse the request's idempotency key, so a retried create makes no second session.
		MaxNetworkRetries: stripe.Int64(2),
	}
	if b.URL != "" {
		cfg.URL = stripe.String(strings.TrimRight(b.URL, "/"))
	}
	return &Client{sc: stripe.NewClient(secretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(cfg)))}
}

// CheckoutRequest is what a Checkout Session for one invoice needs.
type CheckoutRequest struct {
	InvoiceID     int64
	Number        string
	Amount        billing.Money // what is still due
	CustomerEmail string
	SuccessURL    string
	CancelURL     string
}

// ErrStripe wraps every failure of a Stripe API call; the message of the *stripe.Error (if any) is in the chain.
var ErrStripe = errors.New("stripepay: stripe refused or did not answer")

// CreateCheckout creates a Checkout Session that pays req.Amount of the invoice and returns its id and the URL to
// send the payer to. The session's metadata (and its payment's) carries invoice_id, which the webhook reads back.
// The idempotency key is the invoice and the amount: a double click, or a retry after a lost answer, gets the same
// session from Stripe (for the 24 hours Stripe keeps keys), while a changed amount makes a new one.
func (c *Client) CreateCheckout(ctx context.Context, req CheckoutRequest) (sessionID, url string, err error) {
	if req.Amount.Minor <= 0 || len(req.Amount.Currency) != 3 {
		return "", "", fmt.Errorf("stripepay: checkout for invoice %d: amount %v is not payable", req.InvoiceID, req.Amount)
	}
	id := strconv.FormatInt(req.InvoiceID, 10)
	meta := map[string]string{"invoice_id": id, "invoice_number": req.Number}
	p := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		ClientReferenceID: stripe.String(id),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(req.Amount.Currency)),
				UnitAmount:  stripe.Int64(req.Amount.Minor),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String("Invoice " + req.Number)},
			},
		}},
		Metadata:          meta,
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: meta, Description: stripe.String("Invoice " + req.Number)},
	}
	if req.CustomerEmail != "" {
		p.CustomerEmail = stripe.String(req.CustomerEmail)
	}
	p.SetIdempotencyKey(fmt.Sprintf("portal-invoice-%d-%d-%s", req.InvoiceID, req.Amount.Minor, req.Amount.Currency))
	s, err := c.sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return "", "", fmt.Errorf("stripepay: checkout for invoice %d: %w: %w", req.InvoiceID, ErrStripe, err)
	}
	if s.ID == "" || s.URL == "" {
		return "", "", fmt.Errorf("stripepay: checkout for invoice %d: %w: no session id or url", req.InvoiceID, ErrStripe)
	}
	return s.ID, s.URL, nil
}

// Check asks Stripe for at most one Checkout Session with the key: it fails unless the key is valid and may read
// Checkout Sessions (a restricted key needs Checkout access). The error is a *fail.Error at the secret_key field.
func (c *Client) Check(ctx context.Context) error {
	p := &stripe.CheckoutSessionListParams{}
	p.Limit = stripe.Int64(1)
	p.Single = true
	for _, err := range c.sc.V1CheckoutSessions.List(ctx, p) {
		if err == nil {
			break
		}
		var se *stripe.Error
		switch {
		case errors.As(err, &se) && se.HTTPStatusCode == http.StatusUnauthorized:
			return fail.Field("secret_key", "Stripe does not accept this secret key. Nothing was saved.")
		case errors.As(err, &se) && se.HTTPStatusCode == http.StatusForbidden:
			return fail.Field("secret_key", "This key may not use Checkout; give the restricted key write access to Checkout Sessions. Nothing was saved.")
		default:
			return fail.Field("secret_key", "Stripe did not answer the key check (%v). Nothing was saved; please try again.", shortErr(err))
		}
	}
	return nil
}

// shortErr is the message of a Stripe error, or a generic phrase for a transport failure.
func shortErr(err error) string {
	var se *stripe.Error
	if errors.As(err, &se) && se.Msg != "" {
		return se.Msg
	}
	return "no answer"
}
