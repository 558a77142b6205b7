package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portal/internal/billing"
	"portal/internal/i18n"
	"portal/internal/store"
)

// issuerSettings is a valid billing settings form: a German reseller issuing in EUR at 19 % VAT.
func issuerSettings() url.Values {
	return url.Values{"legal_name": {"R One GmbH"}, "address": {"Hauptstr. 1\n10115 Berlin"}, "country": {"DE"},
		"tax_id": {"DE123456789"}, "email": {""}, "vat_rate": {"19"}, "number_prefix": {"R1-"}, "currency": {"EUR"},
		"days_before": {"14"}, "payment_terms_days": {"14"}, "reminder_days": {"-7, 1, 3"}, "suspend_after_days": {"5"},
		"terminate_after_days": {"30"}}
}

// subscribeAndBill starts monthly billing for c from today (b is signed in as its issuer), runs b's app's billing job
// and returns the invoice it issued.
func (b *browser) subscribeAndBill(c store.Customer) int64 {
	b.t.Helper()
	ctx := context.Background()
	if resp := b.post(fmt.Sprintf("/customers/%d/subscription", c.ID), url.Values{"cycle": {"monthly"}, "start": {""}}); resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("subscribe: status %d; %.500s", resp.StatusCode, resp.body)
	}
	if err := b.app.billing.Run(ctx); err != nil {
		b.t.Fatal(err)
	}
	var invID int64
	if err := b.app.pool.QueryRow(ctx, `SELECT id FROM invoices WHERE customer_id = $1`, c.ID).Scan(&invID); err != nil {
		b.t.Fatal(err)
	}
	return invID
}

// TestBillingScreens_German: a browser asking for German gets the invoice list and an invoice page in German, with
// German amounts (1.234,50 €) and days (DD.MM.YYYY) and the reverse-charge note in German legal wording, while
// the issued document itself (its number, hash and PDF) is the same in both languages. Without Accept-Language
// the same pages are English.
func TestBillingScreens_German(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	plan := app.plan(&r1, store.RoleClient, "Web L", unlimited)
	c := app.customer(store.RoleClient, &r1, "c@example.com", plan.ID)
	rb := app.browser()
	rb.mustLogin("r1@example.com", pw, "/reseller")
	settings := issuerSettings()
	settings.Set("email", "billing@r1.example")
	if resp := rb.post("/billing/settings", settings); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: status %d; %.500s", resp.StatusCode, resp.body)
	}
	if resp := rb.post(fmt.Sprintf("/billing/prices/%d", plan.ID), url.Values{"monthly": {"1234.50"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("prices: status %d; %.500s", resp.StatusCode, resp.body)
	}
	// An Austrian business: the reverse charge applies, so the invoice carries the legal note and no VAT.
	profile := url.Values{"legal_name": {"Kunde AT GmbH"}, "address": {"Ring 1, Wien"}, "country": {"AT"}, "vat_id": {"ATU12345678"}}
	if resp := rb.post(fmt.Sprintf("/customers/%d/billing-profile", c.ID), profile); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("billing profile: status %d; %.500s", resp.StatusCode, resp.body)
	}
	invID := rb.subscribeAndBill(c)
	inv, err := store.NewBilling(app.pool).Invoice(ctx, invID, false)
	if err != nil {
		t.Fatal(err)
	}
	if inv.TotalMinor != 123450 {
		t.Fatalf("invoice total %d, want 123450 (no VAT under the reverse charge)", inv.TotalMinor)
	}

	en := struct{ list, page, pdf response }{rb.get("/invoices"), rb.get(fmt.Sprintf("/invoices/%d", invID)), rb.get(fmt.Sprintf("/invoices/%d/pdf", invID))}
	rb.hdrs["Accept-Language"] = "de-DE,de;q=0.9,en;q=0.5"
	de := struct{ list, page, pdf response }{rb.get("/invoices"), rb.get(fmt.Sprintf("/invoices/%d", invID)), rb.get(fmt.Sprintf("/invoices/%d/pdf", invID))}

	germanDay := regexp.MustCompile(`<td>\d\d\.\d\d\.\d{4}</td>`)
	for _, want := range []string{"<h1>Rechnungen</h1>", "1.234,50 €", "<td>Rechnung</td>", "<td>ausgestellt</td>", "Ausgestellt ab", "Filtern", inv.Number} {
		if !strings.Contains(de.list.body, want) {
			t.Errorf("German invoice list lacks %q", want)
		}
	}
	if !germanDay.MatchString(de.list.body) {
		t.Errorf("German invoice list shows no day as DD.MM.YYYY")
	}
	for _, want := range []string{"Rechnung " + inv.Number, `data-testid="invoice-total">1.234,50<`, "Gesamtbetrag EUR", "Einzelpreis",
		"§ 13b UStG", "Art. 196", "Zahlung erfassen", "Mit einer Gutschrift stornieren", "USt-IdNr. ATU12345678", inv.Hash} {
		if !strings.Contains(de.page.body, want) {
			t.Errorf("German invoice page lacks %q", want)
		}
	}
	for _, english := range []string{"<h1>Invoices</h1>", "Record a payment", "Reverse charge", "Unit price", "1,234.50"} {
		if strings.Contains(de.page.body, english) || strings.Contains(de.list.body, english) {
			t.Errorf("German billing pages still say %q", english) // the layout (nav) is translated elsewhere
		}
	}

	for _, want := range []string{"<h1>Invoices</h1>", "1,234.50 EUR", "<td>invoice</td>", "<td>issued</td>"} {
		if !strings.Contains(en.list.body, want) {
			t.Errorf("English invoice list lacks %q", want)
		}
	}
	for _, want := range []string{"Invoice " + inv.Number, `data-testid="invoice-total">1,234.50<`, billing.ReverseChargeNote, "Record a payment", inv.Hash} {
		if !strings.Contains(en.page.body, want) {
			t.Errorf("English invoice page lacks %q", want)
		}
	}
	if en.pdf.StatusCode != http.StatusOK || en.pdf.body != de.pdf.body {
		t.Errorf("the PDF differs by the browser's language (status %d): an issued document is frozen", en.pdf.StatusCode)
	}
	if got, _ := store.NewBilling(app.pool).Invoice(ctx, invID, false); got.Hash != inv.Hash || got.Number != inv.Number {
		t.Errorf("viewing the invoice changed it: %s %s, was %s %s", got.Number, got.Hash, inv.Number, inv.Hash)
	}
	// The views show billing's reverse-charge note translated: they must know its exact wording.
	if i18n.De.Text(billing.ReverseChargeNote) == billing.ReverseChargeNote {
		t.Errorf("billing.ReverseChargeNote has no German translation: the views' copy of it is out of date")
	}
}

// TestBillingAmounts_German: amounts are written from numbers in the reader's language everywhere they are shown:
// the price form (1234,50, typed back the same way), the invoice page, its payments and the reseller's dashboard
// for a German browser, and the buyer's pages and invoice mail in the buyer's chosen German; English is unchanged.
// A German typing "69,06" records 69,06 €; an amount with two marks is refused at its field and kept as typed.
func TestBillingAmounts_German(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	plan := app.plan(&r1, store.RoleClient, "Web L", unlimited)
	c := app.customer(store.RoleClient, &r1, "c@example.com", plan.ID)
	if _, err := app.pool.Exec(ctx, `UPDATE accounts SET language = 'de' WHERE email = 'c@example.com'`); err != nil {
		t.Fatal(err)
	}
	rb := app.browser()
	rb.mustLogin("r1@example.com", pw, "/reseller")
	rb.hdrs["Accept-Language"] = "de-DE,de;q=0.9"
	if resp := rb.post("/billing/settings", issuerSettings()); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: status %d; %.500s", resp.StatusCode, resp.body)
	}
	if resp := rb.post(fmt.Sprintf("/billing/prices/%d", plan.ID), url.Values{"monthly": {"1234,50"}, "setup_fee": {"1.234,50"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.body, "Geben Sie den Betrag mit einem Dezimalkomma und ohne Tausenderpunkte ein, etwa 1234,50.") {
		t.Fatalf("a setup fee with a thousands point: status %d, want 422 with the German field error; %.800s", resp.StatusCode, resp.body)
	}
	if resp := rb.post(fmt.Sprintf("/billing/prices/%d", plan.ID), url.Values{"monthly": {"1234,50"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("prices typed with a comma: status %d; %.500s", resp.StatusCode, resp.body)
	}
	if resp := rb.get("/billing/prices"); !strings.Contains(resp.body, `value="1234,50"`) || strings.Contains(resp.body, `value="1234.50"`) {
		t.Errorf("German prices page does not show the price as 1234,50")
	}
	if resp := rb.get("/billing/settings"); !strings.Contains(resp.body, `value="19,00"`) {
		t.Errorf("German billing settings do not show the VAT rate as 19,00")
	}
	invID := rb.subscribeAndBill(c)
	inv, err := store.NewBilling(app.pool).Invoice(ctx, invID, false)
	if err != nil {
		t.Fatal(err)
	}
	if inv.TotalMinor != 146906 { // 1234.50 + 19 % VAT (234.555, rounded half up)
		t.Fatalf("invoice total %d, want 146906", inv.TotalMinor)
	}

	pay := func(amount string) response {
		return rb.post(fmt.Sprintf("/invoices/%d/payments", invID), url.Values{"provider": {"bank"}, "amount": {amount}, "reference": {"T-1"}, "paid_on": {""}})
	}
	if resp := pay("1.234,5.6"); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(resp.body, `data-testid="error-amount"`) || !strings.Contains(resp.body, "ohne Tausenderpunkte") ||
		!strings.Contains(resp.body, `value="1.234,5.6"`) {
		t.Fatalf("ambiguous amount: status %d, want 422 with a German error at the field and the amount kept; %.800s", resp.StatusCode, resp.body)
	}
	if resp := pay("69,06"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment typed with a comma: status %d; %.800s", resp.StatusCode, resp.body)
	}
	if got, _ := store.NewBilling(app.pool).Invoice(ctx, invID, false); got.PaidMinor != 6906 {
		t.Fatalf("paid %d after a payment of 69,06, want 6906", got.PaidMinor)
	}
	page := rb.get(fmt.Sprintf("/invoices/%d", invID))
	for _, want := range []string{`data-testid="invoice-open">1.400,00 €<`, `data-testid="invoice-total">1.469,06<`, "<td>1.234,50</td>",
		"<td>19,00 %</td>", "<td>69,06 €</td>", "USt. 19,00 % auf 1.234,50"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("German invoice page lacks %q", want)
		}
	}
	dash := rb.get("/reseller")
	for _, want := range []string{"69,06 €", "1.400,00 €"} {
		if !strings.Contains(dash.body, want) {
			t.Errorf("German reseller dashboard lacks %q", want)
		}
	}
	for _, english := range []string{"1,400.00", "1,469.06", "69.06", " EUR</td>"} {
		if strings.Contains(page.body, english) || strings.Contains(dash.body, english) {
			t.Errorf("German pages show the English amount %q", english)
		}
	}

	// The buyer chose German: its pages and its invoice mail say so, whatever its browser asks for.
	cb := app.browser()
	cb.mustLogin("c@example.com", pw, "/client")
	if resp := cb.get(fmt.Sprintf("/invoices/%d", invID)); !strings.Contains(resp.body, "1.400,00 €") || strings.Contains(resp.body, "1,400.00") {
		t.Errorf("the German buyer's invoice page does not ask for 1.400,00 €")
	}
	var body string
	if err := app.pool.QueryRow(ctx, `SELECT text_body FROM outbox WHERE to_addr = 'c@example.com' AND kind = 'invoice'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "über 1.469,06 €") {
		t.Errorf("the German buyer's invoice mail does not say über 1.469,06 €:\n%s", body)
	}

	// English stays as it was.
	delete(rb.hdrs, "Accept-Language")
	if resp := rb.get("/billing/prices"); !strings.Contains(resp.body, `value="1234.50"`) {
		t.Errorf("English prices page does not show the price as 1234.50")
	}
	if resp := rb.get(fmt.Sprintf("/invoices/%d", invID)); !strings.Contains(resp.body, `data-testid="invoice-open">1,400.00 EUR<`) ||
		!strings.Contains(resp.body, "<td>69.06 EUR</td>") || !strings.Contains(resp.body, "<td>19.00 %</td>") {
		t.Errorf("English invoice page lacks its amounts as 1,400.00 EUR, 69.06 EUR and 19.00 %%")
	}
}
