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
// German amounts (1.234,50 EUR) and days (DD.MM.YYYY) and the reverse-charge note in German legal wording, while
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
	for _, want := range []string{"<h1>Rechnungen</h1>", "1.234,50 EUR", "<td>Rechnung</td>", "<td>ausgestellt</td>", "Ausgestellt ab", "Filtern", inv.Number} {
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
