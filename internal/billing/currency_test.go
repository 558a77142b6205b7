package billing_test

import (
	"context"
	"testing"

	"portal/internal/billing"
	"portal/internal/fail"
	"portal/internal/store"
	"portal/internal/testenv"
)

func issuerForm(currency string) billing.IssuerInput {
	return billing.IssuerInput{LegalName: "Operator GmbH", Country: "DE", VATRate: "19", Currency: currency,
		DaysBefore: "14", PaymentTermsDays: "14", ReminderDays: "-7, 1, 3", SuspendAfterDays: "5", TerminateAfterDays: "30"}
}

func fieldErr(err error, field string) bool {
	fe := fail.FieldsOf(err)
	return fe != nil && fe[field].Format != ""
}

// TestCurrency_OneCurrencyPerIssuer: an issuer's currency is a known ISO 4217 code; it can't change while the issuer
// has prices (they are amounts in it); and a price in another currency than the issuer's (from before) invoices
// nothing rather than an amount in the wrong currency.
func TestCurrency_OneCurrencyPerIssuer(t *testing.T) {
	e := newEnv(t, "", false)
	ctx := context.Background()
	for _, bad := range []string{"XYZ", "EU", "EURO", "€€€"} {
		if err := e.B.SaveIssuer(ctx, e.Admin(), issuerForm(bad)); !fieldErr(err, "currency") {
			t.Fatalf("currency %q: %v, want a field error at currency", bad, err)
		}
	}
	if err := e.B.SaveIssuer(ctx, e.Admin(), issuerForm("usd")); err != nil {
		t.Fatalf("USD without prices: %v", err)
	}
	if err := e.B.SaveIssuer(ctx, e.Admin(), issuerForm("EUR")); err != nil {
		t.Fatalf("back to EUR without prices: %v", err)
	}
	p := e.Plan(nil, store.RoleClient, "P", testenv.Unlimited)
	if err := e.B.SetPlanPrices(ctx, e.Admin(), p.ID, billing.PlanPricesInput{Monthly: "10"}); err != nil {
		t.Fatal(err)
	}
	if err := e.B.SaveIssuer(ctx, e.Admin(), issuerForm("USD")); !fieldErr(err, "currency") {
		t.Fatalf("changing the currency with prices set: %v, want a field error at currency", err)
	}
	if iss, _ := e.B.Issuer(ctx, e.Admin()); iss.Currency != "EUR" {
		t.Fatalf("issuer currency %s, want EUR", iss.Currency)
	}

	// A price left in another currency: no invoice in the wrong currency, and no plan change charged with it.
	q := e.Plan(nil, store.RoleClient, "Q", testenv.Unlimited)
	if err := store.NewBilling(e.Pool).SetPrice(ctx, store.Price{PlanID: q.ID, Kind: store.PriceRetail, Cycle: store.CycleMonthly,
		Currency: "USD", AmountMinor: 1000}); err != nil {
		t.Fatal(err)
	}
	c2 := e.billedClient(nil, "to-usd", p)
	e.Clock.Set("2026-01-11")
	if err := e.Ten.ChangePlan(ctx, c2.ID, q.ID); err == nil {
		t.Fatal("a plan change to a plan priced in another currency went through")
	}
	for _, d := range e.invoices(c2) {
		if d.Currency != "EUR" || d.Kind != store.KindInvoiceDoc {
			t.Fatalf("document %s %s after the refused change", d.Kind, d.Currency)
		}
	}
	c := e.Customer(store.RoleClient, nil, unique("usd"), q)
	e.subscribe(c, "2026-01-11")
	if err := e.B.Run(ctx); err == nil {
		t.Fatal("invoicing a USD price for a EUR issuer succeeded")
	}
	if docs := e.invoices(c); len(docs) != 0 {
		t.Fatalf("%d invoices from a price in another currency, want none", len(docs))
	}
}
