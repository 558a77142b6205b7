package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"portal/internal/billing"
	"portal/internal/billing/stripepay"
	"portal/internal/billing/stripepay/stripefake"
	"portal/internal/hosting"
	"portal/internal/secret"
	"portal/internal/store"
)

// testStripe is a fake Stripe for the handler tests, knowing the secret keys they enter.
func testStripe(t testing.TB) stripepay.Backend {
	t.Helper()
	return stripepay.Backend{URL: stripefake.New(t, "sk_test_OPERATORSECRET0000001", "sk_live_RESELLER1SECRET000", "sk_test_RESELLER2SECRET000").URL}
}

func testBox(t testing.TB) *secret.Box {
	t.Helper()
	b, err := secret.NewBox([]byte("handlers-test-key-32-bytes-long!"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tallyLedger records every payment it is asked to apply in a table of the test's, one row per call, and says
// every invoice is the operator's. It has no idempotency of its own: what the tests count is the endpoint's.
type tallyLedger struct{}

func (tallyLedger) ApplyPayment(ctx context.Context, tx pgx.Tx, p billing.Payment) error {
	_, err := tx.Exec(ctx, `INSERT INTO tally (invoice_id, minor, reference) VALUES ($1, $2, $3)`, p.InvoiceID, p.Amount.Minor, p.Reference)
	return err
}
func (tallyLedger) MarkPaymentPending(context.Context, pgx.Tx, int64, string, string) error {
	return nil
}
func (tallyLedger) ClearPaymentPending(context.Context, pgx.Tx, int64, string, string) error {
	return nil
}
func (tallyLedger) InvoiceIssuer(context.Context, pgx.Tx, int64) (stripepay.Issuer, error) {
	return stripepay.Operator, nil
}
func (tallyLedger) InvoiceForCheckout(context.Context, hosting.Actor, int64) (stripepay.CheckoutRequest, stripepay.Issuer, error) {
	return stripepay.CheckoutRequest{}, 0, errors.New("not used")
}

func TestStripeSettings_Screens(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	app.customer(store.RoleClient, &r1, "c1@example.com")
	admin, rb1, rb2, cb := app.browser(), app.browser(), app.browser(), app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	rb1.mustLogin("r1@example.com", pw, "/reseller")
	rb2.mustLogin("r2@example.com", pw, "/reseller")
	cb.mustLogin("c1@example.com", pw, "/client")

	resp := admin.get("/admin/billing/stripe")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "/webhooks/stripe/operator") || !strings.Contains(resp.body, `data-testid="stripe-disabled"`) {
		t.Fatalf("admin's Stripe page: %d %.400s", resp.StatusCode, resp.body)
	}
	const sk, whsec = "sk_test_OPERATORSECRET0000001", "whsec_OPERATORSIGNING0000001"
	resp = admin.post("/admin/billing/stripe", url.Values{"publishable_key": {"pk_test_operatorpublic000"}, "secret_key": {sk}, "webhook_secret": {whsec}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/billing/stripe" {
		t.Fatalf("saving: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp = admin.get("/admin/billing/stripe")
	if strings.Contains(resp.body, sk) || strings.Contains(resp.body, whsec) {
		t.Fatal("the page echoes a secret")
	}
	if !strings.Contains(resp.body, "set; leave empty to keep it") || !strings.Contains(resp.body, `data-testid="stripe-enabled"`) ||
		!strings.Contains(resp.body, "pk_test_operatorpublic000") {
		t.Fatalf("the page does not show the keys as set: %.600s", resp.body)
	}
	if app.auditCount("payment.settings", "success") != 1 {
		t.Fatal("saving the keys is not audited")
	}

	// A bad key is a field error; nothing changes.
	resp = admin.post("/admin/billing/stripe", url.Values{"publishable_key": {"pk_test_operatorpublic000"}, "secret_key": {"pk_live_oops0000000000000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-secret_key"`) {
		t.Fatalf("a bad secret key: %d", resp.StatusCode)
	}

	// A key Stripe refuses is a field error too.
	resp = admin.post("/admin/billing/stripe", url.Values{"publishable_key": {"pk_test_operatorpublic000"}, "secret_key": {"sk_test_UNKNOWNKEY0000000000"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "does not accept this secret key") {
		t.Fatalf("a key Stripe refuses: %d", resp.StatusCode)
	}
	if app.auditCount("payment.settings", "") != 1 {
		t.Fatal("a refused save is audited as a change")
	}

	// A reseller has its own account, under its own webhook address; it never sees the operator's or another's.
	resp = rb1.get("/reseller/billing/stripe")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, fmt.Sprintf("/webhooks/stripe/%d", r1.ID)) ||
		strings.Contains(resp.body, "pk_test_operatorpublic000") || strings.Contains(resp.body, "/webhooks/stripe/operator") {
		t.Fatalf("r1's Stripe page: %d %.600s", resp.StatusCode, resp.body)
	}
	resp = rb1.post("/reseller/billing/stripe", url.Values{"publishable_key": {"pk_live_reseller1public00"}, "secret_key": {"sk_live_RESELLER1SECRET000"},
		"webhook_secret": {"whsec_RESELLER1SIGNING000"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("r1 saving: %d", resp.StatusCode)
	}
	if resp := rb2.get("/reseller/billing/stripe"); strings.Contains(resp.body, "pk_live_reseller1public00") || strings.Contains(resp.body, `data-testid="stripe-enabled"`) {
		t.Fatal("r2 sees r1's Stripe account")
	}
	// r2 can't name another issuer: the field is refused, and its own save changes its own row only.
	if resp := rb2.post("/reseller/billing/stripe", url.Values{"publishable_key": {"pk_test_reseller2public00"},
		"reseller_id": {fmt.Sprint(r1.ID)}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("r2 naming r1 in the form: %d, want 400", resp.StatusCode)
	}
	if resp := rb2.post("/reseller/billing/stripe", url.Values{"publishable_key": {"pk_test_reseller2public00"}, "secret_key": {"sk_test_RESELLER2SECRET000"},
		"webhook_secret": {"whsec_RESELLER2SIGNING000"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("r2 saving: %d", resp.StatusCode)
	}
	if n := app.env.Count(`SELECT count(*) FROM payment_providers WHERE reseller_id = $1 AND publishable_key = 'pk_live_reseller1public00'`, r1.ID); n != 1 {
		t.Fatal("r2's save changed r1's settings")
	}
	if n := app.env.Count(`SELECT count(*) FROM payment_providers WHERE reseller_id = $1 AND publishable_key = 'pk_test_reseller2public00'`, r2.ID); n != 1 {
		t.Fatal("r2's save is not r2's")
	}
	for _, b := range []*browser{rb1, cb} {
		if resp := b.get("/admin/billing/stripe"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a non-admin reading the operator's Stripe page: %d", resp.StatusCode)
		}
	}
	if resp := cb.get("/reseller/billing/stripe"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a client reading a reseller's Stripe page: %d", resp.StatusCode)
	}
	if n := app.env.Count(`SELECT count(*) FROM payment_providers p WHERE position('SECRET' in encode(p.secret_key_enc, 'escape')) > 0
		OR position('SIGNING' in encode(p.webhook_secret_enc, 'escape')) > 0`); n != 0 {
		t.Fatalf("%d rows hold a secret in the clear", n)
	}
}

func TestStripeWebhook_Endpoint(t *testing.T) {
	box := testBox(t)
	now := time.Now().UTC().Truncate(time.Second) // the webhook's clock: fixed, so signing times are exact
	app := newApp(t, func(o *Options) {
		o.Payments = stripepay.New(o.Pool, tallyLedger{}, tallyLedger{}, stripepay.Config{Box: box, Backend: testStripe(t), Now: func() time.Time { return now }})
	})
	if _, err := app.pool.Exec(context.Background(), `CREATE TABLE tally (invoice_id bigint, minor bigint, reference text)`); err != nil {
		t.Fatal(err)
	}
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	const whsec = "whsec_OPERATORSIGNING0000001"
	if resp := admin.post("/admin/billing/stripe", url.Values{"publishable_key": {"pk_test_operatorpublic000"}, "secret_key": {"sk_test_OPERATORSECRET0000001"}, "webhook_secret": {whsec}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the keys: %d %.500s", resp.StatusCode, resp.body)
	}

	body := stripefake.Event("evt_http_1", "checkout.session.completed", stripefake.Session{ID: "cs_1", Object: "checkout.session",
		PaymentStatus: "paid", AmountTotal: 2500, Currency: "eur", Metadata: map[string]string{"invoice_id": "9"}}, now)
	stripe := app.browser() // Stripe's servers: no session, no cookies
	send := func(issuer, payload, sig string) response {
		req, _ := http.NewRequest(http.MethodPost, app.srv.URL+"/webhooks/stripe/"+issuer, strings.NewReader(payload))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Stripe-Signature", sig)
		return stripe.do(req)
	}
	auditBefore := app.env.Count(`SELECT count(*) FROM audit_log`)
	for i := 0; i < 2; i++ {
		if resp := send("operator", string(body), stripefake.Sign(body, whsec, now)); resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery %d: %d %s", i+1, resp.StatusCode, resp.body)
		}
	}
	if n := app.env.Count(`SELECT count(*) FROM tally WHERE invoice_id = 9 AND minor = 2500 AND reference = 'cs_1'`); n != 1 {
		t.Fatalf("%d payments applied for one event delivered twice, want 1", n)
	}
	refused := []struct {
		name, issuer, body, sig string
	}{
		{"wrong secret", "operator", string(body), stripefake.Sign(body, "whsec_WRONGWRONGWRONG00000", now)},
		{"tampered", "operator", strings.Replace(string(body), "2500", "25000", 1), stripefake.Sign(body, whsec, now)},
		{"too old", "operator", string(body), stripefake.Sign(body, whsec, now.Add(-301*time.Second))},
		{"no signature", "operator", string(body), ""},
		{"issuer without an account", fmt.Sprint(r1.ID), string(body), stripefake.Sign(body, whsec, now)},
		{"no such issuer", "nobody", string(body), stripefake.Sign(body, whsec, now)},
	}
	for _, c := range refused {
		if resp := send(c.issuer, c.body, c.sig); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", c.name, resp.StatusCode)
		}
	}
	if n := app.attemptCount("webhook.stripe.refused"); n != len(refused) {
		t.Fatalf("%d refusals counted, want %d", n, len(refused))
	}
	if n := app.env.Count(`SELECT count(*) FROM audit_log`); n != auditBefore {
		t.Fatalf("refused webhooks wrote %d audit rows, want none", n-auditBefore)
	}
	if resp := send("operator", strings.Repeat("x", 70<<10), stripefake.Sign(body, whsec, now)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 70 KiB body: %d, want 413", resp.StatusCode)
	}

	// The admin lists the event, opens it and replays it: audited, and the endpoint's once-only does not apply to
	// a deliberate replay (the ledger's idempotency does; this tally has none, so it counts the replay).
	resp := admin.get("/admin/billing/events?outcome=applied&issuer=operator")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "evt_http_1") {
		t.Fatalf("events page: %d %.400s", resp.StatusCode, resp.body)
	}
	if resp := admin.get("/admin/billing/events?outcome=failed"); strings.Contains(resp.body, "evt_http_1") {
		t.Fatal("the outcome filter shows an applied event as failed")
	}
	var id int64
	if err := app.pool.QueryRow(context.Background(), `SELECT id FROM payment_events WHERE event_id = 'evt_http_1'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if resp := admin.get(fmt.Sprintf("/admin/billing/events/%d", id)); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "cs_1") {
		t.Fatalf("event page: %d", resp.StatusCode)
	}
	resp = admin.post(fmt.Sprintf("/admin/billing/events/%d/replay", id), url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("replay: %d %.300s", resp.StatusCode, resp.body)
	}
	if app.auditCount("payment.event.replay", "success") != 1 {
		t.Fatal("the replay is not audited")
	}
	// A reseller sees none of the operator's events.
	rb := app.browser()
	rb.mustLogin("r1@example.com", pw, "/reseller")
	if resp := rb.get("/reseller/billing/events?issuer=operator"); resp.StatusCode != http.StatusOK || strings.Contains(resp.body, "evt_http_1") {
		t.Fatalf("r1's events page: %d, shows the operator's event: %v", resp.StatusCode, strings.Contains(resp.body, "evt_http_1"))
	}
}

// Payment settings decide where the money goes: outside the confirmation window they can't be opened or saved.
func TestStripeSettings_NeedARecentConfirmation(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	app.now = time.Now().Add(6 * time.Minute)
	keys := url.Values{"publishable_key": {"pk_test_operatorpublic000"}, "secret_key": {"sk_test_OPERATORSECRET0000001"}, "webhook_secret": {"whsec_OPERATORSIGNING0000001"}}
	for _, resp := range []response{admin.get("/admin/billing/stripe"), admin.post("/admin/billing/stripe", keys)} {
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, `action="/account/confirm"`) {
			t.Fatalf("outside the window: %d, want 403 with the confirmation form", resp.StatusCode)
		}
	}
	if n := app.env.Count(`SELECT count(*) FROM payment_providers`); n != 0 {
		t.Fatal("keys were saved without a recent confirmation")
	}
	if resp := admin.post("/account/confirm", url.Values{"next": {"/admin/billing/stripe"}, "current_password": {pw}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirming: %d", resp.StatusCode)
	}
	if resp := admin.post("/admin/billing/stripe", keys); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving after confirming: %d %.300s", resp.StatusCode, resp.body)
	}
}
