package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"portal/internal/mailer"
	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/views"
)

// waitOutbox polls message id until ok holds.
func (a *testApp) waitOutbox(id int64, ok func(store.OutboxMessage) bool, what string) store.OutboxMessage {
	a.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		m, err := store.NewOutbox(a.pool).ByID(context.Background(), id)
		if err != nil {
			a.t.Fatal(err)
		}
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("outbox %d: %s not reached: state %s, attempts %d, error %q", id, what, m.State, m.Attempts, m.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The admin's outbox lists a failed message with its error, and resending it delivers it once the server is back.
func TestOutboxScreen_FailedShownAndResent(t *testing.T) {
	mp := mailtest.Start(t)
	app := newApp(t, withSMTP(mp.SMTPURL))
	app.mail.MaxAttempts = 1
	mp.Down()
	app.startJobs()
	app.account("admin@example.com", store.RoleAdmin, pw)
	var id int64
	err := pgx.BeginFunc(context.Background(), app.pool, func(tx pgx.Tx) error {
		var err error
		id, err = app.mail.Enqueue(context.Background(), tx, mailer.Mail{Kind: "test", To: "screen@example.test",
			Subject: "Screen test", Body: views.EmailBody{Greeting: "Hi,"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	app.waitOutbox(id, func(m store.OutboxMessage) bool { return m.State == store.MailFailed }, "failed")

	b := app.browser()
	b.mustLogin("admin@example.com", pw, "/admin")
	list := b.get("/admin/mail?state=failed")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, "Screen test") || !strings.Contains(list.body, "connection refused") {
		t.Fatalf("outbox page: %d\n%.2000s", list.StatusCode, list.body)
	}
	if resp := b.get(fmt.Sprintf("/admin/mail/%d", id)); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "Hi,") {
		t.Fatalf("message page: %d", resp.StatusCode)
	}
	if resp := b.get("/admin/mail?state=bogus"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unknown state: %d, want 400", resp.StatusCode)
	}
	mp.Up()
	if resp := b.post(fmt.Sprintf("/admin/mail/%d/resend", id), url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d %.300s", resp.StatusCode, resp.body)
	}
	app.waitOutbox(id, func(m store.OutboxMessage) bool { return m.State == store.MailSent }, "sent")
	if n := len(mp.Wait("screen@example.test", 1)); n != 1 {
		t.Fatalf("%d messages delivered, want 1", n)
	}
	if app.auditCount("mail.resend", store.OutcomeSuccess) != 1 {
		t.Fatal("resend not audited")
	}
	// A sent message is not sent again.
	if resp := b.post(fmt.Sprintf("/admin/mail/%d/resend", id), url.Values{}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("resend of a sent message: %d, want 409", resp.StatusCode)
	}
	if app.auditCount("mail.resend", store.OutcomeFailure) != 1 {
		t.Fatal("refused resend not audited")
	}
}
