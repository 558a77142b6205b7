package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/store"
)

// TestClientPicker_FindsEveryClientAndNoOthers: the create forms' client picker offers a reseller's first clients
// and finds any other by search (GET /clients/choices as typed; the form sent without JavaScript), so that the
// client after the first few can be chosen; it never offers or names another reseller's client, not even one sent as
// the choice; the invoice filter and the domain move page search the same way; clients have no picker.
func TestClientPicker_FindsEveryClientAndNoOthers(t *testing.T) {
	app := newApp(t)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	var mine []store.Customer
	for i := 1; i <= store.MaxChoices+2; i++ {
		mine = append(mine, app.customer(store.RoleClient, &r1, fmt.Sprintf("c%02d@r1.test", i)))
	}
	other := app.customer(store.RoleClient, &r2, "c13@r2.test")
	b := app.browser()
	b.mustLogin("r1@example.com", pw, "/reseller")
	offers := func(body string, c store.Customer) bool {
		return strings.Contains(body, `name="customer_id" value="`+idString(c.ID)+`"`)
	}
	buyer := func(body string, c store.Customer) bool {
		return strings.Contains(body, `name="customer" value="`+idString(c.ID)+`"`)
	}
	last := mine[len(mine)-1]

	// Each create form offers the first clients by label, and says that more match.
	for _, path := range []string{"/sites", "/mail", "/domains"} {
		page := b.get(path)
		for i, c := range mine {
			if offers(page.body, c) != (i < store.MaxChoices) {
				t.Errorf("%s offers %s: %v; want the first %d clients", path, c.Email, offers(page.body, c), store.MaxChoices)
			}
		}
		if !strings.Contains(page.body, `data-testid="picker-customer_id"`) || !strings.Contains(page.body, "More clients match") {
			t.Errorf("%s: no picker saying more clients match", path)
		}
	}

	choices := func(query url.Values) response {
		t.Helper()
		b.hdrs["HX-Request"] = "true"
		defer delete(b.hdrs, "HX-Request")
		return b.get("/clients/choices?" + query.Encode())
	}
	// Typing finds the last client; the choice made so far stays offered, checked.
	got := choices(url.Values{"for": {"objects"}, "client_q": {"C12@R1"}, "customer_id": {idString(mine[0].ID)}})
	if got.StatusCode != http.StatusOK || !offers(got.body, last) || !offers(got.body, mine[0]) || offers(got.body, mine[1]) ||
		!strings.Contains(got.body, `value="`+idString(mine[0].ID)+`" checked`) {
		t.Errorf("searching c12@r1 with c01 chosen: status %d, body %.600s; want c12 and c01 (checked) only", got.StatusCode, got.body)
	}
	// Another reseller's client: neither found by search nor offered when sent as the choice.
	got = choices(url.Values{"for": {"objects"}, "client_q": {"c13"}, "customer_id": {idString(other.ID)}})
	if got.StatusCode != http.StatusOK || offers(got.body, other) || strings.Contains(got.body, "r2.test") ||
		!strings.Contains(got.body, `data-testid="no-client-matches"`) {
		t.Errorf("searching r2's client: status %d, body %.600s; want no match and no trace of it", got.StatusCode, got.body)
	}
	if got := choices(url.Values{"for": {"everyone"}}); got.StatusCode != http.StatusUnprocessableEntity && got.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown list: status %d, want 400 or 422", got.StatusCode)
	}

	// The client found is one to create for.
	f := siteForm("found.test")
	f.Set("customer_id", idString(last.ID))
	if id := createdID(t, b.post("/sites", f), "/sites/"); siteRow(t, app, id).CustomerID != last.ID {
		t.Errorf("site for the client found: customer %d, want %d", siteRow(t, app, id).CustomerID, last.ID)
	}
	// Without JavaScript the search is sent with the form, which comes back asking for a client among its matches.
	domain := app.fixtureDomain(mine[0], "moving.test")
	f = siteForm("nojs.test")
	f.Set("client_q", "c12@")
	for path, form := range map[string]url.Values{"/sites": f, "/mail": {"domain": {"nojs.test"}, "client_q": {"c12@"}},
		"/domains":                              {"domain": {"nojs.test"}, "client_q": {"c12@"}},
		fmt.Sprintf("/domains/%d/move", domain): {"client_q": {"c12@"}}} {
		resp := b.post(path, form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-customer_id"`) ||
			!offers(resp.body, last) || offers(resp.body, mine[0]) || !strings.Contains(resp.body, `value="c12@"`) {
			t.Errorf("%s sent with a search and no client: status %d; want 422 offering the matches, the search kept; body %.600s", path, resp.StatusCode, resp.body)
		}
	}
	// The move page offers the reseller's clients but the domain's owner.
	if page := b.get(fmt.Sprintf("/domains/%d/move", domain)); page.StatusCode != http.StatusOK || offers(page.body, mine[0]) || !offers(page.body, mine[1]) {
		t.Errorf("move page of c01's domain: status %d, offers c01 %v, c02 %v; want c02 and not its owner", page.StatusCode, offers(page.body, mine[0]), offers(page.body, mine[1]))
	}

	// The invoice filter: every client the reseller bills, by search, and "all"; another's never.
	inv := b.get("/invoices?" + url.Values{"client_q": {"c12"}, "customer": {idString(other.ID)}}.Encode())
	if inv.StatusCode != http.StatusOK || !buyer(inv.body, last) || buyer(inv.body, mine[0]) || buyer(inv.body, other) ||
		strings.Contains(inv.body, "r2.test") || !strings.Contains(inv.body, `data-testid="picker-customer"`) {
		t.Errorf("invoice filter searching c12 with r2's client chosen: status %d; want c12 offered, r2's client not; body %.600s", inv.StatusCode, inv.body)
	}
	// A refused filter keeps the customer chosen.
	for _, query := range []string{"customer=" + idString(last.ID), "from=yesterday&customer=" + idString(last.ID)} {
		inv = b.get("/invoices?" + query)
		if !strings.Contains(inv.body, `name="customer" value="`+idString(last.ID)+`" checked`) {
			t.Errorf("invoice list at ?%s: status %d, c12's choice is not offered checked; body %.600s", query, inv.StatusCode, inv.body)
		}
	}

	// A reseller with one client has it chosen.
	r2b := app.browser()
	r2b.mustLogin("r2@example.com", pw, "/reseller")
	if page := r2b.get("/sites"); !strings.Contains(page.body, `name="customer_id" value="`+idString(other.ID)+`" checked`) {
		t.Errorf("r2's site form: its sole client is not chosen; body %.600s", page.body)
	}

	// Clients have no picker to ask.
	c := app.browser()
	c.mustLogin("c01@r1.test", pw, "/client")
	if resp := c.get("/clients/choices?for=objects"); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Errorf("a client asking for choices: status %d, want 403 or 404", resp.StatusCode)
	}
}
