package stripepay

import (
	"context"

	"github.com/jackc/pgx/v5"

	"portal/internal/billing"
	"portal/internal/hosting"
	"portal/internal/store"
)

// Invoices is the billing ledger as the InvoiceSource Stripe payments need.
func Invoices(b *billing.Service) InvoiceSource { return ledgerInvoices{b} }

type ledgerInvoices struct{ b *billing.Service }

func issuerFromReseller(resellerID *int64) Issuer {
	if resellerID == nil {
		return Operator
	}
	return Issuer(*resellerID)
}

func (l ledgerInvoices) InvoiceForCheckout(ctx context.Context, a hosting.Actor, invoiceID int64) (CheckoutRequest, Issuer, error) {
	co, err := l.b.InvoiceForCheckout(ctx, a, invoiceID)
	if err != nil {
		return CheckoutRequest{}, 0, err
	}
	return CheckoutRequest{InvoiceID: co.InvoiceID, Number: co.Number, Amount: co.Amount, CustomerEmail: co.CustomerEmail,
			SuccessURL: co.SuccessURL},
		issuerFromReseller(co.IssuerResellerID), nil
}

func (ledgerInvoices) InvoiceIssuer(ctx context.Context, tx pgx.Tx, invoiceID int64) (Issuer, error) {
	inv, err := store.NewBilling(tx).Invoice(ctx, invoiceID, false)
	if err != nil {
		return 0, err
	}
	return issuerFromReseller(inv.IssuerResellerID), nil
}
