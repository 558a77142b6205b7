package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/billing/stripepay/stripefake"
	"portal/internal/store"
	"portal/internal/testenv"
)

// TestBillingCycle_PaidByStripeWebhook is the whole cycle through the portal's own doors: the invoice is issued
// and the customer suspended when it is overdue (billing's clock, moved by the test); the suspended client can
// still open Stripe's payment page for it; a signed webhook pays it, the customer is unsuspended, and the same
// webhook again changes nothing.
func TestBillingCycle_PaidByStripeWebhook(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	var mu sync.Mutex
	day := time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC)
	app.billing.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return day }
	setDay := func(d string) {
		mu.Lock()
		day, _ = time.Parse(time.DateOnly, d)
		day = day.Add(10 * time.Hour)
		mu.Unlock()
	}

	app.account("admin@example.com", store.RoleAdmin, pw)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	const whsec = "whsec_OPERATORSIGNING0000001"
	if resp := admin.post("/admin/billing/stripe", url.Values{"publishable_key": {"pk_test_operatorpublic000"},
		"secret_key": {"sk_test_OPERATORSECRET0000001"}, "webhook_secret": {whsec}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the operator's Stripe keys: %d %.500s", resp.StatusCode, resp.body)
	}
	plan := app.plan(nil, store.RoleClient, "Basic", testenv.Unlimited)
	if err := store.NewBilling(app.pool).SetPrice(ctx, store.Price{PlanID: plan.ID, Kind: store.PriceRetail,
		Cycle: store.CycleMonthly, Currency: "EUR", AmountMinor: 1000}); err != nil {
		t.Fatal(err)
	}
	c := app.customer(store.RoleClient, nil, "payer@example.com", plan.ID)
	if _, err := app.billing.Subscribe(ctx, c.ID, store.CycleMonthly, time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := app.billing.Run(ctx); err != nil { // 14 days before the due date: the invoice
		t.Fatal(err)
	}
	var invID, total int64
	if err := app.pool.QueryRow(ctx, `SELECT id, total_minor FROM invoices WHERE customer_id = $1 AND state = 'issued'`, c.ID).Scan(&invID, &total); err != nil {
		t.Fatalf("the issued invoice: %v", err)
	}
	setDay("2026-01-25") // 5 days overdue
	if err := app.billing.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := store.NewCustomers(app.pool).ByID(ctx, c.ID); got.SuspendedBy != store.SuspendedByBilling || got.Suspension != store.SuspensionSuspended {
		t.Fatalf("5 days overdue: suspended by %q (%s), want billing", got.SuspendedBy, got.Suspension)
	}

	client := app.browser()
	client.mustLogin("payer@example.com", pw, "/client")
	resp := client.post(fmt.Sprintf("/invoices/%d/pay", invID), url.Values{})
	to := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, "https://checkout.stripe.test/c/pay/cs_test_") {
		t.Fatalf("pay now while suspended by billing: %d to %q %.300s, want 303 to Stripe's page", resp.StatusCode, to, resp.body)
	}
	session := strings.TrimPrefix(to, "https://checkout.stripe.test/c/pay/")

	app.startJobs() // the unsuspension runs as a job once the payment is committed
	now := time.Now().UTC().Truncate(time.Second)
	body := stripefake.Event("evt_cycle_1", "checkout.session.completed", stripefake.Session{ID: session, Object: "checkout.session",
		PaymentStatus: "paid", AmountTotal: total, Currency: "eur", Metadata: map[string]string{"invoice_id": fmt.Sprint(invID)}}, now)
	stripe := app.browser()
	deliver := func() {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, app.srv.URL+"/webhooks/stripe/operator", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set("Stripe-Signature", stripefake.Sign(body, whsec, now))
		if resp := stripe.do(req); resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %s", resp.StatusCode, resp.body)
		}
	}
	deliver()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := store.NewCustomers(app.pool).ByID(ctx, c.ID)
		if !got.Suspended() && got.Suspension == store.SuspensionNone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not unsuspended after the paid webhook: self %v by %q (%s)", got.SuspendedSelf, got.SuspendedBy, got.Suspension)
		}
		time.Sleep(20 * time.Millisecond) // polling a job's result, not waiting instead of synchronising
	}
	var state string
	var paid int64
	if err := app.pool.QueryRow(ctx, `SELECT state, paid_minor FROM invoices WHERE id = $1`, invID).Scan(&state, &paid); err != nil || state != "paid" || paid != total {
		t.Fatalf("invoice after the webhook: %s paid %d (%v), want paid %d", state, paid, err, total)
	}
	deliver() // Stripe delivers again
	if n := app.env.Count(`SELECT count(*) FROM payments WHERE invoice_id = $1`, invID); n != 1 {
		t.Fatalf("payments after the same webhook twice: %d, want 1", n)
	}
	if err := app.pool.QueryRow(ctx, `SELECT paid_minor FROM invoices WHERE id = $1`, invID).Scan(&paid); err != nil || paid != total {
		t.Fatalf("paid after the repeat: %d, want %d", paid, total)
	}
}
