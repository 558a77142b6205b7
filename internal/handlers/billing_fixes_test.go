package handlers

import (
	"context"
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
