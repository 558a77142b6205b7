package handlers

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
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

// TestInvoiceList_Pages: the invoice list pages by key, newest issue date first, 50 documents a page: the next and
// previous links keep the filters, every document shows exactly once going forward, and going back shows the
// first page again; a key that can't be read (as a key, or as its list's sort value) is a 400, not a 500.
func TestInvoiceList_Pages(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "page-r1@example.com")
	c := app.customer(store.RoleClient, &r1, "page-c1@example.com")
	iss, err := store.NewBilling(app.pool).Issuer(ctx, &r1.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	// 120 issued invoices over 40 days (three a day, so the key's id breaks ties) and 7 paid ones.
	if _, err := app.pool.Exec(ctx, `INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state,
		number, currency, document, hash, issued_on, due_on)
		SELECT $1, $2, $3, 'invoice', 'manual', CASE WHEN g > 120 THEN 'paid' ELSE 'issued' END, 'N-' || g, 'EUR', '{}',
			'h' || g, date '2026-01-01' + g % 40, date '2026-03-01' FROM generate_series(1, 127) g`, iss.ID, r1.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	b.mustLogin("page-r1@example.com", pw, "/reseller")
	next := regexp.MustCompile(`<a href="([^"]+)"[^>]*data-testid="pager-next"`)
	prev := regexp.MustCompile(`<a href="([^"]+)"[^>]*data-testid="pager-prev"`)
	number := regexp.MustCompile(`>(N-\d+)</a>`)
	seen := map[string]bool{}
	var firstPage, secondPage []string
	path, pages := "/invoices?state=issued", 0
	for path != "" {
		resp := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		pages++
		var numbers []string
		for _, m := range number.FindAllStringSubmatch(resp.body, -1) {
			numbers = append(numbers, m[1])
			if seen[m[1]] {
				t.Fatalf("page %d shows %s again", pages, m[1])
			}
			seen[m[1]] = true
		}
		switch pages {
		case 1:
			firstPage = numbers
			if prev.MatchString(resp.body) {
				t.Fatal("the first page links to a previous one")
			}
			// Read with the page: the totals over every match, and the picker offering the reseller's buyer.
			if !strings.Contains(resp.body, `<td>120</td>`) || !strings.Contains(resp.body, fmt.Sprintf(`name="customer" value="%d"`, c.ID)) {
				t.Fatalf("the first page lacks the total of 120 issued invoices or the picker's client:\n%s", resp.body)
			}
		case 2:
			secondPage = numbers
		}
		if want := min(50, 120-50*(pages-1)); len(numbers) != want {
			t.Fatalf("page %d shows %d invoices; want %d", pages, len(numbers), want)
		}
		path = ""
		if m := next.FindStringSubmatch(resp.body); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.Contains(path, "state=issued") {
				t.Fatalf("the next link %s drops the state filter", path)
			}
		}
		if pages == 3 {
			m := prev.FindStringSubmatch(resp.body)
			if m == nil || !strings.Contains(m[1], "state=issued") {
				t.Fatalf("page 3: no previous link keeping the filter (%v)", m)
			}
			back := b.get(html.UnescapeString(m[1]))
			var again []string
			for _, m := range number.FindAllStringSubmatch(back.body, -1) {
				again = append(again, m[1])
			}
			if back.StatusCode != http.StatusOK || !slices.Equal(again, secondPage) {
				t.Fatalf("back from page 3: status %d, %v; want page 2 again, %v", back.StatusCode, again, secondPage)
			}
		}
	}
	if pages != 3 || len(seen) != 120 {
		t.Fatalf("%d pages showing %d invoices; want 3 pages showing all 120 issued ones", pages, len(seen))
	}
	// Newest issue date first: the first page is the last 50 days' worth, ending on the newest.
	if firstPage[0] != "N-39" && firstPage[0] != "N-79" && firstPage[0] != "N-119" {
		t.Errorf("the first page starts with %s; want one issued on the newest day (N-39, N-79 or N-119)", firstPage[0])
	}
	for _, key := range []string{"x", "0.2026-01-01", "5.not-a-date", "5.2026-13-45", "5.\xff", "5.a\x00b"} {
		if resp := b.get("/invoices?after=" + url.QueryEscape(key)); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("after=%s: status %d, want 400", key, resp.StatusCode)
		}
	}
	// A filter that can't be read lists nothing, with no page links.
	if resp := b.get("/invoices?from=yesterday"); resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(resp.body, `data-testid="pager"`) {
		t.Errorf("an unreadable date: status %d, pager shown: %v; want 422 without a pager", resp.StatusCode, strings.Contains(resp.body, `data-testid="pager"`))
	}
	// The same for a list sorted by a time (the customers' creation), whose key only Postgres reads.
	if resp := b.get("/reseller/clients?sort=created&after=" + url.QueryEscape("5.not a time")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("clients by creation, a key that is no time: status %d, want 400", resp.StatusCode)
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
