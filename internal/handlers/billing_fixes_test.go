package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/store"
)

// TestAccountBilling_ClientAndReseller: a client and a reseller both see and save their own billing details at
// /account/billing (a reseller is the buyer of its wholesale bill), and a malformed VAT id is a field error that
// saves nothing.
func TestAccountBilling_ClientAndReseller(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "acct-r1@example.com")
	plan := app.plan(&r1, store.RoleClient, "Web S", unlimited)
	c := app.customer(store.RoleClient, &r1, "acct-c@example.com", plan.ID)
	for _, who := range []struct {
		email, home string
		id          int64
	}{{"acct-c@example.com", "/client", c.ID}, {"acct-r1@example.com", "/reseller", r1.ID}} {
		b := app.browser()
		b.mustLogin(who.email, pw, who.home)
		if resp := b.get("/account/billing"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /account/billing: status %d, want 200", who.email, resp.StatusCode)
		}
		bad := url.Values{"legal_name": {"Bad GmbH"}, "address": {"Str. 1"}, "country": {"DE"}, "vat_id": {"DE12"}}
		if resp := b.post("/account/billing", bad); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-vat_id"`) {
			t.Fatalf("%s: malformed VAT id: status %d, want 422 with an error at vat_id", who.email, resp.StatusCode)
		}
		if p, err := store.NewBilling(app.pool).Profile(ctx, who.id); err != nil || p.LegalName != "" {
			t.Fatalf("%s: a refused form saved %q (%v)", who.email, p.LegalName, err)
		}
		good := url.Values{"legal_name": {"Good GmbH"}, "address": {"Str. 1"}, "country": {"DE"}, "vat_id": {"DE123456789"}}
		if resp := b.post("/account/billing", good); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: POST /account/billing: status %d, want 303; %.500s", who.email, resp.StatusCode, resp.body)
		}
		if p, err := store.NewBilling(app.pool).Profile(ctx, who.id); err != nil || p.LegalName != "Good GmbH" || p.VATID != "DE123456789" {
			t.Fatalf("%s: saved profile %+v (%v), want Good GmbH with its VAT id", who.email, p, err)
		}
	}
}

// TestInvoiceList_PageOutOfRange: a page number past any list (or not a number) is a 400, not an overflowing
// OFFSET and a 500; an ordinary page past the end is an empty list.
func TestInvoiceList_PageOutOfRange(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleReseller, nil, "page-r1@example.com")
	b := app.browser()
	b.mustLogin("page-r1@example.com", pw, "/reseller")
	for _, page := range []string{"200000000000000000", "99999999999999999999", "0", "-3", "x"} {
		if resp := b.get("/invoices?page=" + page); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("page %s: status %d, want 400", page, resp.StatusCode)
		}
	}
	if resp := b.get("/invoices?page=7"); resp.StatusCode != http.StatusOK {
		t.Fatalf("page 7: status %d, want 200", resp.StatusCode)
	}
}

// TestInvoiceCredit_PartialFromTheScreen: the issuer credits part of one line of an issued invoice from its page: a
// credit note for that net with the line's VAT; more than the line still has is a field error that issues nothing;
// the buyer can't credit anything; the full credit is no longer offered once part is credited.
func TestInvoiceCredit_PartialFromTheScreen(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "pr1@example.com")
	c := app.customer(store.RoleClient, &r1, "pc@example.com")
	b := store.NewBilling(app.pool)
	iss, _ := b.Issuer(ctx, &r1.ID, false)
	iss.VATRateBP = 1900
	if err := b.SaveIssuer(ctx, iss); err != nil {
		t.Fatal(err)
	}
	invID := app.fixtureInvoice(c) // 10.00 + 19 % VAT
	rb := app.browser()
	rb.mustLogin("pr1@example.com", pw, "/reseller")
	page := rb.get(fmt.Sprintf("/invoices/%d", invID))
	if !strings.Contains(page.body, `data-testid="partial-credit-form"`) || !strings.Contains(page.body, `data-testid="credit-line-0"`) {
		t.Fatalf("the issuer's invoice page lacks the partial credit form")
	}
	resp := rb.post(fmt.Sprintf("/invoices/%d/credit", invID), url.Values{"partial": {"1"}, "line_0": {"10.01"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-line_0"`) ||
		!strings.Contains(resp.body, `value="10.01"`) {
		t.Fatalf("crediting more than the line: %d, want 422 with an error at the line keeping the amount", resp.StatusCode)
	}
	if n := countRows(t, app, `SELECT count(*) FROM invoices WHERE kind = 'credit_note'`); n != 0 {
		t.Fatalf("%d credit notes after a refused form", n)
	}
	cb := app.browser()
	cb.mustLogin("pc@example.com", pw, "/client")
	if resp := cb.post(fmt.Sprintf("/invoices/%d/credit", invID), url.Values{"partial": {"1"}, "line_0": {"1"}}); resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("the buyer crediting its own invoice: %d, want 403 or 404", resp.StatusCode)
	}
	resp = rb.post(fmt.Sprintf("/invoices/%d/credit", invID), url.Values{"partial": {"1"}, "line_0": {"2.50"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("partial credit: %d %.500s", resp.StatusCode, resp.body)
	}
	var net, tax, total int64
	if err := app.pool.QueryRow(ctx, `SELECT net_minor, tax_minor, total_minor FROM invoices WHERE kind = 'credit_note' AND credits_invoice_id = $1`, invID).
		Scan(&net, &tax, &total); err != nil || net != -250 || tax != -48 || total != -298 {
		t.Fatalf("credit note %d/%d/%d (%v), want -250 net, -48 VAT (19 %% half-up), -298", net, tax, total, err)
	}
	inv, _ := b.Invoice(ctx, invID, false)
	if inv.CreditedMinor != 298 || inv.Open() != 1190-298 {
		t.Fatalf("invoice credited %d open %d, want 298 and %d", inv.CreditedMinor, inv.Open(), 1190-298)
	}
	page = rb.get(fmt.Sprintf("/invoices/%d", invID))
	if strings.Contains(page.body, `data-testid="credit-note"`) || !strings.Contains(page.body, "7.50") {
		t.Fatalf("after a partial credit: the full credit is still offered, or the line's 7.50 left is not shown")
	}
}
