package stripepay

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"

	"portal/internal/billing"
	"portal/internal/billing/stripepay/stripefake"
	"portal/internal/fail"
	"portal/internal/store"
)

func TestCreateCheckout_Fake(t *testing.T) {
	fake := stripefake.New(t, "sk_test_right")
	c := NewClient("sk_test_right", Backend{URL: fake.URL})
	req := CheckoutRequest{InvoiceID: 42, Number: "R7-2026-00042", Amount: billing.Money{Minor: 12345, Currency: "EUR"},
		CustomerEmail: "payer@example.test", SuccessURL: "https://portal.test/invoices/42?ok", CancelURL: "https://portal.test/invoices/42"}
	id, url, err := c.CreateCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Sessions()
	if len(got) != 1 {
		t.Fatalf("%d sessions, want 1", len(got))
	}
	s := got[0]
	if s.ID != id || s.URL != url || !strings.HasPrefix(id, "cs_test_") {
		t.Fatalf("returned %q %q, the fake made %q %q", id, url, s.ID, s.URL)
	}
	if s.AmountTotal != 12345 || s.Currency != "eur" {
		t.Errorf("session amount %d %s, want 12345 eur", s.AmountTotal, s.Currency)
	}
	if s.Metadata["invoice_id"] != "42" || s.PaymentIntentMetadata["invoice_id"] != "42" || s.ClientReferenceID != "42" {
		t.Errorf("metadata %v, payment intent metadata %v, client reference %q: want invoice_id 42 in each", s.Metadata, s.PaymentIntentMetadata, s.ClientReferenceID)
	}
	if s.CustomerEmail != req.CustomerEmail || s.SuccessURL != req.SuccessURL || s.CancelURL != req.CancelURL || s.ProductName != "Invoice R7-2026-00042" {
		t.Errorf("session %+v does not carry the request %+v", s, req)
	}

	// The fake answers stripe-go's read of a session as Stripe does.
	read, err := stripe.NewClient("sk_test_right", stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{URL: stripe.String(fake.URL)}))).
		V1CheckoutSessions.Retrieve(context.Background(), id, nil)
	if err != nil || read.ID != id || read.AmountTotal != 12345 || read.Metadata["invoice_id"] != "42" || read.PaymentStatus != "unpaid" {
		t.Fatalf("retrieve: %+v %v", read, err)
	}
	fake.Complete(id, "paid")
	if read, err = NewClient("sk_test_right", Backend{URL: fake.URL}).sc.V1CheckoutSessions.Retrieve(context.Background(), id, nil); err != nil || read.PaymentStatus != "paid" {
		t.Fatalf("retrieve after payment: %+v %v", read, err)
	}

	// A double click: the same invoice and amount is the same session.
	id2, _, err := c.CreateCheckout(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if id2 != id || fake.Creates() != 1 {
		t.Fatalf("second click: session %q (first %q), %d sessions made; want the same one", id2, id, fake.Creates())
	}
	// What is due changed: a new session.
	req.Amount.Minor = 5000
	if id3, _, err := c.CreateCheckout(context.Background(), req); err != nil || id3 == id {
		t.Fatalf("a new amount: session %q, err %v; want a new session", id3, err)
	}

	// Another key is refused like Stripe refuses it.
	_, _, err = NewClient("sk_test_wrong", Backend{URL: fake.URL}).CreateCheckout(context.Background(), req)
	if !errors.Is(err, ErrStripe) || !strings.Contains(err.Error(), "Invalid API Key") {
		t.Fatalf("wrong key: %v, want Stripe's invalid-key error", err)
	}
	if fake.Creates() != 2 {
		t.Fatalf("%d sessions after the refused call, want 2", fake.Creates())
	}
}

func TestVerify(t *testing.T) {
	const sec = "whsec_abcdefghijklmnopqrstuvwxyz"
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	body := sessionEvent("evt_1", "checkout.session.completed", 7, "cs_test_1", "paid", 100, at)
	cases := []struct {
		name   string
		body   []byte
		header string
		now    time.Time
		want   error
	}{
		{"valid", body, stripefake.Sign(body, sec, at), at, nil},
		{"valid at the edge of the tolerance", body, stripefake.Sign(body, sec, at), at.Add(300 * time.Second), nil},
		{"wrong secret", body, stripefake.Sign(body, "whsec_somebodyelse0123456789", at), at, ErrSignature},
		{"tampered body", []byte(strings.Replace(string(body), `"amount_total":100`, `"amount_total":1`, 1)), stripefake.Sign(body, sec, at), at, ErrSignature},
		{"too old", body, stripefake.Sign(body, sec, at), at.Add(301 * time.Second), ErrTooOld},
		{"from the future", body, stripefake.Sign(body, sec, at), at.Add(-301 * time.Second), ErrTooOld},
		{"timestamp changed", body, strings.Replace(stripefake.Sign(body, sec, at), fmt.Sprint(at.Unix()), fmt.Sprint(at.Unix()+10), 1), at, ErrSignature},
		{"several v1, one right (secret being rolled)", body, stripefake.SignWith(body, at, "whsec_oldoldoldoldoldoldold", sec), at, nil},
		{"several v1, none right", body, stripefake.SignWith(body, at, "whsec_oldoldoldoldoldoldold", "whsec_otherotherotherother"), at, ErrSignature},
		{"no header", body, "", at, ErrSignature},
		{"no timestamp", body, "v1=" + hex.EncodeToString([]byte("x")), at, ErrSignature},
		{"garbage", body, "t=abc,v1=zz", at, ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := Verify(c.body, c.header, sec, c.now)
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if c.want == nil && (ev.ID != "evt_1" || ev.Type != "checkout.session.completed") {
				t.Fatalf("event %q %q", ev.ID, ev.Type)
			}
		})
	}
	// A signed body that is no event is not a signature problem.
	junk := []byte(`{"not":"an event"`)
	if _, err := Verify(junk, stripefake.Sign(junk, sec, at), sec, at); !errors.Is(err, ErrPayload) {
		t.Fatalf("signed junk: %v, want ErrPayload", err)
	}
}

func TestPay(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	client := w.env.Customer(store.RoleClient, nil, "payer@example.test")
	other := w.env.Customer(store.RoleClient, nil, "other@example.test")
	w.invoice(1, client, Operator, 11900)

	// Not configured yet: a clear refusal, no call.
	if _, err := w.svc.Pay(ctx, w.env.As(client), 1); err == nil || w.stripe.Requests() != 0 {
		t.Fatalf("pay without keys: %v, %d Stripe calls; want a refusal and none", err, w.stripe.Requests())
	}
	w.configure(w.env.Admin(), opSecretKey, opWebhook)

	url, err := w.svc.Pay(ctx, w.env.As(client), 1)
	if err != nil {
		t.Fatal(err)
	}
	s := w.stripe.Sessions()
	if len(s) != 1 || s[0].URL != url || s[0].AmountTotal != 11900 || s[0].Metadata["invoice_id"] != "1" ||
		s[0].SuccessURL != "https://portal.test/invoices/1?checkout=success" || s[0].CustomerEmail != "payer@example.test" {
		t.Fatalf("sessions %+v, url %q", s, url)
	}
	if again, err := w.svc.Pay(ctx, w.env.As(client), 1); err != nil || again != url || w.stripe.Creates() != 1 {
		t.Fatalf("paying twice: %q %v, %d sessions; want the same session", again, err, w.stripe.Creates())
	}
	// Another client's invoice does not exist for it.
	if _, err := w.svc.Pay(ctx, w.env.As(other), 1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another client paying: %v, want not found", err)
	}
	if w.stripe.Creates() != 1 {
		t.Fatalf("%d sessions, want 1", w.stripe.Creates())
	}
}

func TestProcess_OnceAndPending(t *testing.T) {
	w := newWorld(t)
	client := w.env.Customer(store.RoleClient, nil, "payer@example.test")
	w.configure(w.env.Admin(), opSecretKey, opWebhook)
	w.invoice(1, client, Operator, 5000)
	w.invoice(2, client, Operator, 7000)

	// A delayed method: completed but unpaid marks the payment pending; the async success pays.
	if err := w.deliver(Operator, opWebhook, sessionEvent("evt_a", "checkout.session.completed", 1, "cs_1", "unpaid", 5000, w.clock())); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`SELECT count(*) FROM fake_invoices WHERE id = 1 AND pending = 'stripe:cs_1'`); n != 1 {
		t.Fatal("completed+unpaid did not mark the payment pending")
	}
	w.advance(time.Minute)
	if err := w.deliver(Operator, opWebhook, sessionEvent("evt_b", "checkout.session.async_payment_succeeded", 1, "cs_1", "paid", 5000, w.clock())); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`SELECT count(*) FROM fake_invoices WHERE id = 1 AND paid_minor = 5000 AND pending IS NULL`); n != 1 {
		t.Fatal("async success did not pay the invoice")
	}
	// A paid completion, delivered three times: one payment, one ledger call, one stored event.
	paid := sessionEvent("evt_c", "checkout.session.completed", 2, "cs_2", "paid", 7000, w.clock())
	for i := 0; i < 3; i++ {
		if err := w.deliver(Operator, opWebhook, paid); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	if n := w.count(`SELECT count(*) FROM fake_ledger_calls WHERE reference = 'cs_2'`); n != 1 {
		t.Fatalf("%d ledger calls for one event delivered three times, want 1", n)
	}
	if n := w.count(`SELECT count(*) FROM payment_events WHERE event_id = 'evt_c' AND outcome = 'applied' AND processed_at IS NOT NULL`); n != 1 {
		t.Fatalf("%d stored applied events evt_c, want 1", n)
	}
	// Failure and expiry clear a pending payment.
	w.invoice(3, client, Operator, 1000)
	_ = w.deliver(Operator, opWebhook, sessionEvent("evt_d", "checkout.session.completed", 3, "cs_3", "unpaid", 1000, w.clock()))
	if err := w.deliver(Operator, opWebhook, sessionEvent("evt_e", "checkout.session.async_payment_failed", 3, "cs_3", "unpaid", 1000, w.clock())); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`SELECT count(*) FROM fake_invoices WHERE id = 3 AND pending IS NULL AND paid_minor = 0`); n != 1 {
		t.Fatal("async failure did not clear the pending payment")
	}
	// Other events and foreign sessions are stored and ignored.
	if err := w.deliver(Operator, opWebhook, stripefake.Event("evt_f", "customer.created", map[string]any{"id": "cus_1", "object": "customer"}, w.clock())); err != nil {
		t.Fatal(err)
	}
	foreign := stripefake.Event("evt_g", "checkout.session.completed", stripefake.Session{ID: "cs_x", Object: "checkout.session", PaymentStatus: "paid", AmountTotal: 1, Currency: "eur"}, w.clock())
	if err := w.deliver(Operator, opWebhook, foreign); err != nil {
		t.Fatal(err)
	}
	if n := w.count(`SELECT count(*) FROM payment_events WHERE event_id IN ('evt_f', 'evt_g') AND outcome = 'ignored'`); n != 2 {
		t.Fatalf("%d ignored events, want 2", n)
	}
	if n := w.count(`SELECT count(*) FROM fake_ledger_calls`); n != 5 {
		t.Fatalf("%d ledger calls in all, want 5", n)
	}
}

func TestProcess_Refused(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	client := w.env.Customer(store.RoleClient, nil, "payer@example.test")
	w.configure(w.env.Admin(), opSecretKey, opWebhook)
	w.invoice(1, client, Operator, 5000)
	body := sessionEvent("evt_1", "checkout.session.completed", 1, "cs_1", "paid", 5000, w.clock())
	auditBefore := w.count(`SELECT count(*) FROM audit_log`)

	if err := w.deliver(Operator, "whsec_notthesecretatall000", body); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong secret: %v", err)
	}
	old := stripefake.Sign(body, opWebhook, w.clock())
	w.advance(301 * time.Second)
	if err := w.svc.Process(ctx, "operator", body, old); !errors.Is(err, ErrTooOld) {
		t.Fatalf("a delivery signed 301 s ago: %v, want ErrTooOld", err)
	}
	for _, key := range []string{"12345", "0", "-1", "01", "operator/../x", ""} {
		if err := w.svc.Process(ctx, key, body, stripefake.Sign(body, opWebhook, w.clock())); !errors.Is(err, ErrUnknownIssuer) {
			t.Fatalf("issuer %q: %v, want ErrUnknownIssuer", key, err)
		}
	}
	if n := w.count(`SELECT count(*) FROM payment_events`) + w.count(`SELECT count(*) FROM fake_ledger_calls`); n != 0 {
		t.Fatalf("refused deliveries left %d rows", n)
	}
	if n := w.count(`SELECT coalesce(sum(count), 0) FROM attempt_counts WHERE scope = $1`, badWebhookScope); n != 8 {
		t.Fatalf("%d refused deliveries counted, want 8", n)
	}
	if n := w.count(`SELECT count(*) FROM audit_log`); n != auditBefore {
		t.Fatalf("refused deliveries wrote %d audit rows, want none", n-auditBefore)
	}
}

func TestProcess_ConcurrentDuplicates(t *testing.T) {
	w := newWorld(t)
	client := w.env.Customer(store.RoleClient, nil, "payer@example.test")
	w.configure(w.env.Admin(), opSecretKey, opWebhook)
	const events, copies = 10, 4
	for i := int64(1); i <= events; i++ {
		w.invoice(i, client, Operator, 1000*i)
	}
	for i := int64(1); i <= events; i++ {
		body := sessionEvent(fmt.Sprintf("evt_%d", i), "checkout.session.completed", i, fmt.Sprintf("cs_%d", i), "paid", 1000*i, w.clock())
		sig := stripefake.Sign(body, opWebhook, w.clock())
		start := make(chan struct{})
		errs := make([]error, copies)
		var wg sync.WaitGroup
		for c := range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[c] = w.svc.Process(context.Background(), "operator", body, sig)
			}()
		}
		close(start)
		wg.Wait()
		for c, err := range errs {
			if err != nil {
				t.Fatalf("event %d copy %d: %v", i, c, err)
			}
		}
	}
	if n := w.count(`SELECT count(*) FROM fake_ledger_calls`); n != events {
		t.Fatalf("%d ledger calls for %d events delivered %d times at once, want %d", n, events, copies, events)
	}
	if n := w.count(`SELECT count(*) FROM payment_events WHERE outcome = 'applied'`); n != events {
		t.Fatalf("%d stored events, want %d", n, events)
	}
	if n := w.count(`SELECT count(*) FROM fake_invoices WHERE paid_minor = due_minor`); n != events {
		t.Fatalf("%d invoices paid, want %d", n, events)
	}
}

func TestProcess_FailureRetryAndReplay(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	client := w.env.Customer(store.RoleClient, nil, "payer@example.test")
	admin := w.env.Admin()
	w.configure(admin, opSecretKey, opWebhook)
	w.invoice(1, client, Operator, 5000)
	body := sessionEvent("evt_1", "checkout.session.completed", 1, "cs_1", "paid", 5000, w.clock())

	w.ledger.failNext.Store(1)
	if err := w.deliver(Operator, opWebhook, body); err == nil {
		t.Fatal("a failing ledger: Process returned nil, want the error (so Stripe retries)")
	}
	if n := w.count(`SELECT count(*) FROM payment_events WHERE event_id = 'evt_1' AND outcome = 'failed' AND error LIKE '%bad day%'`); n != 1 {
		t.Fatal("the failed event is not recorded as failed with its error")
	}
	if n := w.count(`SELECT count(*) FROM fake_ledger_calls`) + w.count(`SELECT count(*) FROM fake_payments`); n != 0 {
		t.Fatalf("the failed attempt left %d ledger rows", n)
	}
	// Stripe retries: now it applies.
	if err := w.deliver(Operator, opWebhook, body); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := w.env.Pool.QueryRow(ctx, `SELECT id FROM payment_events WHERE event_id = 'evt_1' AND outcome = 'applied' AND error = ''`).Scan(&id); err != nil {
		t.Fatalf("the retried event is not applied: %v", err)
	}

	// Replay: the ledger is asked again, its idempotency keeps it to one payment; audited.
	outcome, err := w.svc.Replay(ctx, admin, id)
	if err != nil || outcome != store.EventApplied {
		t.Fatalf("replay: %q %v", outcome, err)
	}
	if calls, pays := w.count(`SELECT count(*) FROM fake_ledger_calls`), w.count(`SELECT count(*) FROM fake_payments`); calls != 2 || pays != 1 {
		t.Fatalf("after a replay: %d ledger calls, %d payments; want 2 and 1", calls, pays)
	}
	if n := w.count(`SELECT count(*) FROM fake_invoices WHERE paid_minor = 5000`); n != 1 {
		t.Fatal("the replay changed what is paid")
	}
	if n := w.count(`SELECT count(*) FROM payment_events WHERE id = $1 AND replays = 1`, id); n != 1 {
		t.Fatal("the replay is not counted on the event")
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'payment.event.replay' AND outcome = 'success' AND object_id = $1`, itoa(id)); n != 1 {
		t.Fatal("the replay is not audited")
	}
	// Only admins replay.
	reseller := w.env.Customer(store.RoleReseller, nil, "r@example.test")
	if _, err := w.svc.Replay(ctx, w.env.As(reseller), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a reseller replaying: %v, want not found", err)
	}
	if _, err := w.svc.Replay(ctx, admin, id+1000); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("replaying a missing event: %v, want not found", err)
	}
}

func TestProcess_IssuerIsolation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r1 := w.env.Customer(store.RoleReseller, nil, "r1@example.test")
	r2 := w.env.Customer(store.RoleReseller, nil, "r2@example.test")
	c2 := w.env.Customer(store.RoleClient, &r2, "c2@example.test")
	const r1Hook, r2Hook = "whsec_reseller1reseller1reseller1", "whsec_reseller2reseller2reseller2"
	w.configure(w.env.As(r1), "sk_test_reseller1key000000", r1Hook)
	w.configure(w.env.As(r2), "sk_test_reseller2key000000", r2Hook)
	w.invoice(1, c2, Issuer(r2.ID), 5000)

	// r1 knows its own secret and signs an event about r2's invoice: refused, nothing paid.
	forged := sessionEvent("evt_forged", "checkout.session.completed", 1, "cs_forged", "paid", 5000, w.clock())
	if err := w.deliver(Issuer(r1.ID), r1Hook, forged); err == nil {
		t.Fatal("an event at r1's endpoint paid r2's invoice")
	}
	if n := w.count(`SELECT count(*) FROM fake_payments`); n != 0 {
		t.Fatalf("%d payments recorded, want 0", n)
	}
	// Signed with r2's secret but sent to r1's endpoint: a signature error.
	if err := w.deliver(Issuer(r1.ID), r2Hook, forged); !errors.Is(err, ErrSignature) {
		t.Fatalf("r2's signature at r1's endpoint: %v", err)
	}
	// The real event at r2's endpoint pays.
	real := sessionEvent("evt_real", "checkout.session.completed", 1, "cs_real", "paid", 5000, w.clock())
	if err := w.deliver(Issuer(r2.ID), r2Hook, real); err != nil {
		t.Fatal(err)
	}
	// r1 sees only its own events; r2 its own.
	list, _, err := w.svc.Events(ctx, w.env.As(r1), EventFilter{Issuer: fmt.Sprint(r2.ID)})
	if err != nil || len(list) != 1 || list[0].EventID != "evt_forged" {
		t.Fatalf("r1's events (asking for r2's): %v %v; want its own one", list, err)
	}
	var realID int64
	if err := w.env.Pool.QueryRow(ctx, `SELECT id FROM payment_events WHERE event_id = 'evt_real'`).Scan(&realID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Event(ctx, w.env.As(r1), realID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("r1 reading r2's event: %v, want not found", err)
	}
	if e, err := w.svc.Event(ctx, w.env.As(r2), realID); err != nil || e.EventID != "evt_real" {
		t.Fatalf("r2 reading its event: %v", err)
	}
	all, _, err := w.svc.Events(ctx, w.env.Admin(), EventFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("admin's events: %d %v, want 2", len(all), err)
	}
	// Each reseller's settings are its own.
	s1, err := w.svc.Settings(ctx, w.env.As(r1))
	if err != nil || s1.Issuer != Issuer(r1.ID) || s1.WebhookURL != fmt.Sprintf("https://portal.test/webhooks/stripe/%d", r1.ID) {
		t.Fatalf("r1's settings: %+v %v", s1, err)
	}
	if _, err := w.svc.Settings(ctx, w.env.As(c2)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a client's payment settings: %v, want not found", err)
	}
}

func TestSettings_SealedAndValidated(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	admin := w.env.Admin()
	in := SettingsInput{PublishableKey: "pk_test_publishable000000", SecretKey: "sk_test_VERYSECRETVALUE123456", WebhookSecret: "whsec_SIGNINGSECRETVALUE123456"}
	// Where the money goes: not without a recent confirmation that it is them.
	if _, err := w.svc.SaveSettings(ctx, admin, in); err != fail.ErrReauth {
		t.Fatalf("without a recent confirmation: %v, want ErrReauth", err)
	}
	admin.Recent = true
	// A key Stripe does not know is a field error, found before anything is saved.
	_, err := w.svc.SaveSettings(ctx, admin, in)
	if f := fail.FieldsOf(err); !strings.Contains(f["secret_key"].String(), "does not accept") {
		t.Fatalf("an unknown key: %v, want a secret_key error", err)
	}
	if n := w.count(`SELECT count(*) FROM payment_providers`); n != 0 {
		t.Fatal("an unknown key was saved")
	}
	w.stripe.AddKey(in.SecretKey)
	got, err := w.svc.SaveSettings(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Enabled || !got.SecretKeySet || !got.WebhookSecretSet || got.PublishableKey != in.PublishableKey ||
		got.WebhookURL != "https://portal.test/webhooks/stripe/operator" {
		t.Fatalf("settings %+v", got)
	}
	// At rest, neither secret appears: not as text, not as hex, not in the audit log.
	var dump string
	if err := w.env.Pool.QueryRow(ctx, `SELECT (SELECT string_agg(row_to_json(p)::text, '') FROM payment_providers p) ||
		(SELECT string_agg(row_to_json(a)::text, '') FROM audit_log a)`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{in.SecretKey, in.WebhookSecret} {
		if strings.Contains(dump, s) || strings.Contains(dump, hex.EncodeToString([]byte(s))) {
			t.Fatalf("the secret %q is stored in the clear: %s", s, dump)
		}
	}
	// The sealed secret opens only for its issuer and field.
	var enc []byte
	if err := w.env.Pool.QueryRow(ctx, `SELECT secret_key_enc FROM payment_providers`).Scan(&enc); err != nil {
		t.Fatal(err)
	}
	if plain, err := w.box.Open(enc, secretKeyContext(Operator)); err != nil || plain != in.SecretKey {
		t.Fatalf("open: %q %v", plain, err)
	}
	if _, err := w.box.Open(enc, webhookSecretContext(Operator)); err == nil {
		t.Fatal("the secret key opens as the webhook secret")
	}

	// Empty secrets keep the stored ones.
	if _, err := w.svc.SaveSettings(ctx, admin, SettingsInput{PublishableKey: "pk_test_another0000000000"}); err != nil {
		t.Fatal(err)
	}
	sk, whsec, err := w.svc.keys(ctx, Operator)
	if err != nil || sk != in.SecretKey || whsec != in.WebhookSecret {
		t.Fatalf("after saving without secrets: %q %q %v", sk, whsec, err)
	}

	bad := []struct {
		in    SettingsInput
		field string
	}{
		{SettingsInput{PublishableKey: "sk_test_publishable000000"}, "publishable_key"},
		{SettingsInput{PublishableKey: "pk_test_x y"}, "publishable_key"},
		{SettingsInput{PublishableKey: "pk_test_publishable000000", SecretKey: "pk_test_notasecret0000000"}, "secret_key"},
		{SettingsInput{PublishableKey: "pk_test_publishable000000", SecretKey: "sk_live_livekey00000000000"}, "secret_key"},
		{SettingsInput{PublishableKey: "pk_test_publishable000000", WebhookSecret: "secret"}, "webhook_secret"},
	}
	for _, b := range bad {
		_, err := w.svc.SaveSettings(ctx, admin, b.in)
		if fields := fail.FieldsOf(err); fields[b.field].Format == "" {
			t.Errorf("%+v: %v, want an error at %s", b.in, err, b.field)
		}
	}
	// A first save needs both secrets.
	r := w.env.Customer(store.RoleReseller, nil, "r@example.test")
	ra := w.env.As(r)
	ra.Recent = true
	_, err = w.svc.SaveSettings(ctx, ra, SettingsInput{PublishableKey: "pk_test_publishable000000"})
	if f := fail.FieldsOf(err); f["secret_key"].Format == "" || f["webhook_secret"].Format == "" {
		t.Fatalf("a first save without secrets: %v", err)
	}
	if n := w.count(`SELECT count(*) FROM payment_providers WHERE reseller_id = $1`, r.ID); n != 0 {
		t.Fatal("a refused save stored a row")
	}

	// Without PORTAL_SECRET_KEY nothing can be stored.
	nobox := New(w.env.Pool, w.ledger, w.ledger, Config{BaseURL: "https://portal.test"})
	if _, err := nobox.SaveSettings(ctx, admin, in); err == nil {
		t.Fatal("saved keys without a secret key to seal them")
	}
}
