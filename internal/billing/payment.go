package billing

import "time"

// Payment is money received for an invoice, as a payment provider or the issuer reports it. The ledger records
// each (Provider, Reference) once, so a repeated report has no second effect.
type Payment struct {
	InvoiceID int64
	Amount    Money
	Provider  string // "stripe", "bank", "cash"
	Reference string // the provider's id of the payment (a Stripe Checkout Session id), or the issuer's reference
	PaidAt    time.Time
}
