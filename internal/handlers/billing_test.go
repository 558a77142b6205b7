package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/billing/stripepay/stripefake"
	"portal/internal/store"
)

// TestBillingScreens_ResellerLedger: a reseller sets its issuer profile and prices, bills its client, sees the
// invoice (document, hash) and its totals, records a payment (a bad amount is a field error and records nothing),
// and cancels another invoice with a credit note. The client sees its invoices and pays nothing it doesn't owe.
func TestBillingScreens_ResellerLedger(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	plan := app.plan(&r1, store.RoleClient, "Web S", unlimited)
	c := app.customer(store.RoleClient, &r1, "c@example.com", plan.ID)
	rb := app.browser()
	rb.mustLogin("r1@example.com", pw, "/reseller")

	settings := issuerSettings()
	settings.Set("tax_id", "DE123")
	if resp := rb.post("/billing/settings", settings); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-tax_id"`) {
		t.Fatalf("settings with a malformed VAT id: status %d, want 422 with an error at tax_id", resp.StatusCode)
	}
	settings.Set("tax_id", "DE123456789")
	if resp := rb.post("/billing/settings", settings); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: status %d, want 303; %.500s", resp.StatusCode, resp.body)
	}
	if resp := rb.post(fmt.Sprintf("/billing/prices/%d", plan.ID), url.Values{"monthly": {"12.345"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("price with three decimals: status %d, want 422", resp.StatusCode)
	}
	if resp := rb.post(fmt.Sprintf("/billing/prices/%d", plan.ID), url.Values{"monthly": {"20.00"}, "yearly": {"200"}, "setup_fee": {"5"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("prices: status %d, want 303; %.500s", resp.StatusCode, resp.body)
	}
	if resp := rb.get("/billing/prices"); !strings.Contains(resp.body, `value="20.00"`) || !strings.Contains(resp.body, `value="200.00"`) {
		t.Fatalf("prices page does not show the saved prices")
	}
	invID := rb.subscribeAndBill(c)
	inv, _ := store.NewBilling(app.pool).Invoice(ctx, invID, false)
	if inv.Number != "R1-000001" || inv.TotalMinor != 2975 { // (20.00 + 5.00 setup) * 1.19
		t.Fatalf("invoice %s total %d, want R1-000001 2975", inv.Number, inv.TotalMinor)
	}
	page := rb.get(fmt.Sprintf("/invoices/%d", invID))
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, inv.Hash) || !strings.Contains(page.body, "R One GmbH") ||
		!strings.Contains(page.body, "29.75") {
		t.Fatalf("invoice page: status %d, want the hash, seller and total; %.800s", page.StatusCode, page.body)
	}
	if resp := rb.get("/invoices?from=yesterday"); resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(resp.body, "R1-000001") {
		t.Fatalf("an unreadable date filter: status %d, want 422 listing nothing", resp.StatusCode)
	}
	if resp := rb.get("/invoices?state=bogus"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an unknown state filter: status %d, want 422", resp.StatusCode)
	}
	list := rb.get("/invoices?state=issued")
	if !strings.Contains(list.body, "R1-000001") || !strings.Contains(list.body, `data-testid="total-row"`) {
		t.Fatalf("invoice list lacks the invoice or its totals")
	}

	// A bad amount: a field error, nothing recorded.
	resp := rb.post(fmt.Sprintf("/invoices/%d/payments", invID), url.Values{"provider": {"bank"}, "amount": {"abc"}, "reference": {"T-1"}, "paid_on": {""}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-amount"`) {
		t.Fatalf("payment with a bad amount: status %d, want 422 with an amount error", resp.StatusCode)
	}
	if n := countRows(t, app, `SELECT count(*) FROM payments`); n != 0 {
		t.Fatalf("%d payments recorded after a refused form", n)
	}
	resp = rb.post(fmt.Sprintf("/invoices/%d/payments", invID), url.Values{"provider": {"bank"}, "amount": {"29.75"}, "reference": {"T-1"}, "paid_on": {""}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment: status %d; %.500s", resp.StatusCode, resp.body)
	}
	if got, _ := store.NewBilling(app.pool).Invoice(ctx, invID, false); got.State != store.InvoicePaid {
		t.Fatalf("invoice after payment: %s, want paid", got.State)
	}

	// The client sees its invoice, can't record payments or credit notes, and its paid invoice has no pay button.
	cb := app.browser()
	cb.mustLogin("c@example.com", pw, "/client")
	if resp := cb.get(fmt.Sprintf("/invoices/%d", invID)); resp.StatusCode != http.StatusOK || strings.Contains(resp.body, `data-testid="pay-now"`) ||
		strings.Contains(resp.body, `data-testid="payment-form"`) {
		t.Fatalf("client's view of its paid invoice: status %d, want 200 without pay or payment forms", resp.StatusCode)
	}
	if resp := cb.post(fmt.Sprintf("/invoices/%d/payments", invID), url.Values{"provider": {"cash"}, "amount": {"1"}, "reference": {"x"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("client recording a payment: status %d, want 404", resp.StatusCode)
	}

	// The reseller cancels the paid invoice: a credit note, and the client's credit balance.
	resp = rb.post(fmt.Sprintf("/invoices/%d/credit", invID), url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("credit note: status %d; %.500s", resp.StatusCode, resp.body)
	}
	if resp := cb.get("/invoices"); !strings.Contains(resp.body, `data-testid="credit-balance"`) || !strings.Contains(resp.body, "29.75 EUR") {
		t.Fatalf("client's invoices do not show its credit balance of 29.75 EUR")
	}
	if resp := rb.get("/reseller"); !strings.Contains(resp.body, `data-testid="reseller-billing"`) {
		t.Fatalf("reseller dashboard lacks the billing box")
	}
}

// TestBillingIsolation_Resellers: a reseller never sees another reseller's invoices in its list, nor its issuer
// settings, and can't price another reseller's plan (the sweep covers every id route; this covers the lists and
// the pages without ids).
func TestBillingIsolation_Resellers(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	c1 := app.customer(store.RoleClient, &r1, "c1@example.com")
	c2 := app.customer(store.RoleClient, &r2, "c2@example.com")
	for _, x := range []struct {
		r    store.Customer
		name string
	}{{r1, "Reseller One Ltd"}, {r2, "Reseller Two Ltd"}} {
		b := store.NewBilling(app.pool)
		iss, err := b.Issuer(ctx, &x.r.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		iss.LegalName, iss.NumberPrefix = x.name, strings.ToUpper(x.name[:12])
		if err := b.SaveIssuer(ctx, iss); err != nil {
			t.Fatal(err)
		}
	}
	i1, i2 := app.fixtureInvoice(c1), app.fixtureInvoice(c2)
	n1, _ := store.NewBilling(app.pool).Invoice(ctx, i1, false)
	n2, _ := store.NewBilling(app.pool).Invoice(ctx, i2, false)
	r2b := app.browser()
	r2b.mustLogin("r2@example.com", pw, "/reseller")
	list := r2b.get("/invoices")
	if !strings.Contains(list.body, n2.Number) || strings.Contains(list.body, n1.Number) {
		t.Fatalf("r2's invoice list: has own %v, has r1's %v; want only its own", strings.Contains(list.body, n2.Number), strings.Contains(list.body, n1.Number))
	}
	if resp := r2b.get(fmt.Sprintf("/invoices?customer=%d", c1.ID)); strings.Contains(resp.body, n1.Number) {
		t.Fatal("r2 filtering by r1's client sees r1's invoice")
	}
	// The customer picker offers r2's own client, never r1's.
	if !strings.Contains(list.body, fmt.Sprintf(`name="customer" value="%d"`, c2.ID)) || strings.Contains(list.body, fmt.Sprintf(`name="customer" value="%d"`, c1.ID)) {
		t.Fatalf("r2's customer picker: has own client %v, has r1's %v; want only its own",
			strings.Contains(list.body, fmt.Sprintf(`name="customer" value="%d"`, c2.ID)), strings.Contains(list.body, fmt.Sprintf(`name="customer" value="%d"`, c1.ID)))
	}
	if resp := r2b.get(fmt.Sprintf("/invoices?customer=%d", c2.ID)); !strings.Contains(resp.body, n2.Number) ||
		!strings.Contains(resp.body, fmt.Sprintf(`name="customer" value="%d" checked`, c2.ID)) {
		t.Fatal("r2 filtering by its own client: the invoice or the picked customer is missing")
	}
	if resp := r2b.get("/billing/settings"); strings.Contains(resp.body, "Reseller One") || !strings.Contains(resp.body, "Reseller Two") {
		t.Fatal("r2's billing settings show r1's profile, or not its own")
	}
	if resp := r2b.get("/invoices/" + fmt.Sprint(i1) + "/pdf"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("r2 fetching r1's PDF: status %d, want 404", resp.StatusCode)
	}
	ch, err := app.billing.InvoiceForCheckout(ctx, app.env.As(c2), i2)
	if err != nil || ch.Amount.Minor != 1000 || ch.IssuerResellerID == nil || *ch.IssuerResellerID != r2.ID {
		t.Fatalf("checkout of c2's own invoice: %+v %v", ch, err)
	}
	if _, err := app.billing.InvoiceForCheckout(ctx, app.env.As(c2), i1); err == nil {
		t.Fatal("c2 got a checkout for c1's invoice")
	}
	if _, err := app.billing.InvoiceForCheckout(ctx, app.env.As(r2), i2); err == nil {
		t.Fatal("r2 (the issuer) got a checkout for its client's invoice; only the buyer pays")
	}
}

// TestSignup_PaidPlanWaitsForPayment: a signup to a priced plan gets its first invoice (period and setup fee) and
// nothing is provisioned until it is paid; the visitor, signed in, sees the invoice — with the bank transfer note,
// not "pay now", as the reseller takes no card payments; once the reseller records the payment, the set-up
// continues to a ready site.
func TestSignup_PaidPlanWaitsForPayment(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	ctx := context.Background()
	w.pricePlan(t) // 15.00 a month and a 5.00 setup fee
	email := fmt.Sprintf("payer-%d@example.com", time.Now().UnixNano())
	v := app.browser()
	w.signUpAndConfirm(t, v, email, "payer-site.example")
	if setup := waitSetupShows(t, v, `data-testid="step-payment"`); !strings.Contains(setup, `data-testid="setup-invoice"`) ||
		strings.Contains(setup, `data-testid="setup-pay"`) {
		t.Fatalf("set-up page without Stripe: want the bank transfer note, not a pay button:\n%s", setup)
	}
	if st := v.get("/signup/setup"); !strings.Contains(st.body, "(20.00 EUR)") {
		t.Errorf("set-up page does not name the amount owed, 20.00 EUR:\n%s", st.body)
	}
	v.hdrs["Accept-Language"] = "de-DE"
	if st := v.get("/signup/setup"); !strings.Contains(st.body, "(20,00 €)") {
		t.Errorf("German set-up page does not name the amount owed as 20,00 €:\n%s", st.body)
	}
	delete(v.hdrs, "Accept-Language")
	acct, err := store.NewAccounts(app.pool).ByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := store.NewCustomers(app.pool).ByID(ctx, *acct.CustomerID)
	if c.State != store.StatePending || c.ISPClientID != nil || app.simRowsWhere("client", "username", c.ISPUsername) != 0 {
		t.Fatalf("before payment: customer %s isp id %v, want pending and nothing in ISPConfig", c.State, c.ISPClientID)
	}
	var invID int64
	var total int64
	if err := app.pool.QueryRow(ctx, `SELECT id, total_minor FROM invoices WHERE customer_id = $1 AND purpose = 'signup'`, c.ID).Scan(&invID, &total); err != nil || total != 2000 {
		t.Fatalf("signup invoice: %v total %d, want 2000", err, total)
	}
	if resp := v.get(fmt.Sprintf("/invoices/%d", invID)); resp.StatusCode != http.StatusOK || strings.Contains(resp.body, `data-testid="pay-now"`) ||
		!strings.Contains(resp.body, `data-testid="pay-by-transfer"`) {
		t.Fatalf("the visitor's invoice page: %d, want the bank transfer note and no pay-now button (no Stripe)", resp.StatusCode)
	}
	rAcct, _ := store.NewAccounts(app.pool).ByCustomer(ctx, w.reseller.ID)
	rb := app.browser()
	rb.mustLogin(rAcct.Email, pw, "/reseller")
	if resp := rb.post(fmt.Sprintf("/invoices/%d/payments", invID), url.Values{"provider": {"bank"}, "amount": {"20.00"}, "reference": {"SIGNUP-1"}, "paid_on": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record payment: %d %.500s", resp.StatusCode, resp.body)
	}
	waitSetup(t, v, "ready")
	if c, _ := store.NewCustomers(app.pool).ByID(ctx, c.ID); c.State != store.StateActive {
		t.Fatalf("after payment: customer %s, want active", c.State)
	}
}

// TestSignup_PaidPlanPaysByCheckout: the reseller takes card payments, so the set-up page of a signup to its priced
// plan sends the visitor straight to Stripe Checkout for the first invoice (the in-process fake); nothing is
// provisioned until a signed webhook says it is paid, and then the set-up runs to a ready site. The invoice page
// offers "pay now" too.
func TestSignup_PaidPlanPaysByCheckout(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	ctx := context.Background()
	w.pricePlan(t) // 15.00 a month and a 5.00 setup fee
	rAcct, _ := store.NewAccounts(app.pool).ByCustomer(ctx, w.reseller.ID)
	rb := app.browser()
	rb.mustLogin(rAcct.Email, pw, "/reseller")
	const whsec = "whsec_RESELLERSIGNING00000001"
	if resp := rb.post("/reseller/billing/stripe", url.Values{"publishable_key": {"pk_live_resellerpublic0001"},
		"secret_key": {"sk_live_RESELLER1SECRET000"}, "webhook_secret": {whsec}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the reseller's Stripe keys: %d %.500s", resp.StatusCode, resp.body)
	}
	email := fmt.Sprintf("card-payer-%d@example.com", time.Now().UnixNano())
	v := app.browser()
	w.signUpAndConfirm(t, v, email, "card-payer.example")
	setup := waitSetupShows(t, v, `data-testid="setup-pay"`)
	acct, err := store.NewAccounts(app.pool).ByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	var invID, total int64
	if err := app.pool.QueryRow(ctx, `SELECT id, total_minor FROM invoices WHERE customer_id = $1 AND purpose = 'signup'`, *acct.CustomerID).Scan(&invID, &total); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(setup, fmt.Sprintf(`action="/invoices/%d/pay"`, invID)) {
		t.Fatalf("the set-up page's pay button does not pay invoice %d:\n%s", invID, setup)
	}
	if resp := v.get(fmt.Sprintf("/invoices/%d", invID)); !strings.Contains(resp.body, `data-testid="pay-now"`) || strings.Contains(resp.body, `data-testid="pay-by-transfer"`) {
		t.Fatalf("invoice page with Stripe: want pay-now and no transfer note")
	}
	resp := v.post(fmt.Sprintf("/invoices/%d/pay", invID), url.Values{})
	to := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, "https://checkout.stripe.test/c/pay/cs_") {
		t.Fatalf("pay from the set-up page: %d to %q, want 303 to Stripe Checkout", resp.StatusCode, to)
	}
	c, _ := store.NewCustomers(app.pool).ByID(ctx, *acct.CustomerID)
	if c.State != store.StatePending || app.simRowsWhere("client", "username", c.ISPUsername) != 0 {
		t.Fatalf("after checkout, before the webhook: customer %s, want pending and nothing in ISPConfig", c.State)
	}
	now := time.Now().UTC().Truncate(time.Second)
	body := stripefake.Event("evt_signup_paid_1", "checkout.session.completed", stripefake.Session{ID: strings.TrimPrefix(to, "https://checkout.stripe.test/c/pay/"),
		Object: "checkout.session", PaymentStatus: "paid", AmountTotal: total, Currency: "eur",
		Metadata: map[string]string{"invoice_id": fmt.Sprint(invID)}}, now)
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/webhooks/stripe/%d", app.srv.URL, w.reseller.ID), strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", stripefake.Sign(body, whsec, now))
	if resp := app.browser().do(req); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d %s", resp.StatusCode, resp.body)
	}
	waitSetup(t, v, "ready")
	if c, _ := store.NewCustomers(app.pool).ByID(ctx, c.ID); c.State != store.StateActive {
		t.Fatalf("after the paid webhook: customer %s, want active", c.State)
	}
	if inv, _ := store.NewBilling(app.pool).Invoice(ctx, invID, false); inv.State != store.InvoicePaid {
		t.Fatalf("signup invoice %s after the webhook, want paid", inv.State)
	}
}

// pricePlan prices the signup world's plan at 15.00 a month plus a 5.00 setup fee.
func (w *signupWorld) pricePlan(t *testing.T) {
	t.Helper()
	if err := store.NewBilling(w.app.pool).SetPrice(context.Background(), store.Price{PlanID: w.plan.ID, Kind: store.PriceRetail,
		Cycle: store.CycleMonthly, Currency: "EUR", AmountMinor: 1500, SetupFeeMinor: 500}); err != nil {
		t.Fatal(err)
	}
}
