package mailer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"portal/internal/mailer"
	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/testenv"
	"portal/internal/views"
)

func withSMTP(u string) func(*testenv.Options) { return func(o *testenv.Options) { o.SMTP = u } }

func enqueue(t *testing.T, e *testenv.Env, m mailer.Mail) int64 {
	t.Helper()
	var id int64
	err := pgx.BeginFunc(context.Background(), e.Pool, func(tx pgx.Tx) error {
		var err error
		id, err = e.Mail.Enqueue(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func waitState(t *testing.T, e *testenv.Env, id int64, ok func(store.OutboxMessage) bool, what string) store.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		m, err := store.NewOutbox(e.Pool).ByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox %d: %s not reached; state %s, attempts %d, error %q", id, what, m.State, m.Attempts, m.LastError)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func body(line string) views.EmailBody {
	return views.EmailBody{Greeting: "Hello,", Lines: []string{line}, Link: "https://portal.example.test/x?a=1&b=2", LinkLabel: "Open"}
}

// While the SMTP server is down, messages stay in the outbox and are retried with backoff, recording the error;
// once it is back each is delivered exactly once. A message whose transaction rolled back never exists.
func TestOutbox_OutageRetriedDeliveredOnceNothingLost(t *testing.T) {
	mp := mailtest.Start(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	mp.Down()
	e.StartJobs()

	var ids []int64
	for i := range 4 {
		ids = append(ids, enqueue(t, e, mailer.Mail{Kind: "test", To: fmt.Sprintf("outage%d@example.test", i),
			Subject: fmt.Sprintf("Outage %d", i), Body: body("during the outage")}))
	}
	rolledBack := errors.New("the event failed")
	err := pgx.BeginFunc(context.Background(), e.Pool, func(tx pgx.Tx) error {
		if _, err := e.Mail.Enqueue(context.Background(), tx, mailer.Mail{Kind: "test", To: "never@example.test",
			Subject: "never", Body: body("x")}); err != nil {
			return err
		}
		return rolledBack
	})
	if !errors.Is(err, rolledBack) {
		t.Fatal(err)
	}
	for _, id := range ids {
		m := waitState(t, e, id, func(m store.OutboxMessage) bool { return m.Attempts >= 2 }, "two failed attempts")
		if m.State != store.MailRetrying || m.LastError == "" || m.SentAt != nil {
			t.Fatalf("outbox %d during the outage: state %s, error %q; want retrying with the error", id, m.State, m.LastError)
		}
	}
	mp.Up()
	for i, id := range ids {
		waitState(t, e, id, func(m store.OutboxMessage) bool { return m.State == store.MailSent }, "sent")
		got := mp.Wait(fmt.Sprintf("outage%d@example.test", i), 1)
		if len(got) != 1 || got[0].Subject != fmt.Sprintf("Outage %d", i) || !strings.HasPrefix(got[0].MessageID, fmt.Sprintf("outbox-%d.", id)) {
			t.Fatalf("outage%d: got %+v, want one message with Message-ID outbox-%d.…", i, got, id)
		}
	}
	// Every delivery job finishes: nothing is left that could send a message twice.
	deadline := time.Now().Add(45 * time.Second)
	for e.Count(`SELECT count(*) FROM river_job WHERE kind = 'send_mail' AND state <> 'completed'`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("delivery jobs not completed after 45s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := range ids {
		if n := len(mp.To(fmt.Sprintf("outage%d@example.test", i))); n != 1 {
			t.Fatalf("outage%d got %d messages, want exactly 1", i, n)
		}
	}
	if n := e.Count(`SELECT count(*) FROM outbox WHERE to_addr = 'never@example.test'`); n != 0 {
		t.Fatal("a message of a rolled-back transaction is in the outbox")
	}
	// A repeated job for a sent message sends nothing.
	if err := e.Mail.Deliver(context.Background(), ids[0], false); err != nil {
		t.Fatal(err)
	}
	if n := len(mp.To("outage0@example.test")); n != 1 {
		t.Fatalf("a repeated delivery sent the message again: %d", n)
	}
}

// A message has a text and an HTML part; its sender's display name is the reseller's name for a reseller's client
// and the operator's otherwise.
func TestOutbox_PartsAndSenderName(t *testing.T) {
	mp := mailtest.Shared(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.StartJobs()
	reseller := e.Customer("reseller", nil, "parts-reseller@example.test")
	client := e.Customer("client", &reseller, "parts-client@example.test")
	enqueue(t, e, mailer.Mail{Kind: "test", CustomerID: &client.ID, To: "parts-client@example.test", ToName: "Ann",
		Subject: "Parts", Body: body("Fish & chips <b>")})
	enqueue(t, e, mailer.Mail{Kind: "test", To: "parts-operator@example.test", Subject: "Operator", Body: body("x")})

	m := mp.Wait("parts-client@example.test", 1)[0]
	if m.From.Name != reseller.Name || m.From.Address != "portal@example.test" {
		t.Fatalf("from %+v, want the reseller's name %q at the operator's address", m.From, reseller.Name)
	}
	if !strings.Contains(m.Text, "Fish & chips <b>") || !strings.Contains(m.Text, "https://portal.example.test/x?a=1&b=2") {
		t.Fatalf("text part:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, "Fish &amp; chips &lt;b&gt;") || !strings.Contains(m.HTML, `href="https://portal.example.test/x?a=1&amp;b=2"`) {
		t.Fatalf("html part:\n%s", m.HTML)
	}
	if o := mp.Wait("parts-operator@example.test", 1)[0]; o.From.Name != "Test Operator" {
		t.Fatalf("operator's message from %+v, want Test Operator", o.From)
	}
}

// With sending off, messages are kept in the outbox as held and no job is queued.
func TestOutbox_OffHolds(t *testing.T) {
	e := testenv.New(t)
	id := enqueue(t, e, mailer.Mail{Kind: "test", To: "held@example.test", Subject: "Held", Body: body("x")})
	m, err := store.NewOutbox(e.Pool).ByID(context.Background(), id)
	if err != nil || m.State != store.MailHeld {
		t.Fatalf("state %s (%v), want held", m.State, err)
	}
	if n := e.Count(`SELECT count(*) FROM river_job WHERE kind = 'send_mail'`); n != 0 {
		t.Fatalf("%d delivery jobs with sending off", n)
	}
}

// A recipient the server refuses for good fails the message at once with the server's answer, and an admin's
// resend queues it again.
func TestOutbox_FailedAndResent(t *testing.T) {
	mp := mailtest.Start(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.Mail.MaxAttempts = 2
	mp.Down()
	e.StartJobs()
	id := enqueue(t, e, mailer.Mail{Kind: "test", To: "resend@example.test", Subject: "Resend", Body: body("x")})
	m := waitState(t, e, id, func(m store.OutboxMessage) bool { return m.State == store.MailFailed }, "failed")
	if m.Attempts != 2 || m.LastError == "" {
		t.Fatalf("failed after %d attempts with %q, want 2 attempts and the error", m.Attempts, m.LastError)
	}
	// The server is back before the resend: a resend while it is still down may use up its attempts at once
	// (it did on a loaded machine), and the message would be failed again, not sent.
	mp.Up()
	if err := e.Mail.Resend(context.Background(), e.Admin(), id); err != nil {
		t.Fatal(err)
	}
	waitState(t, e, id, func(m store.OutboxMessage) bool { return m.State == store.MailSent }, "sent")
	if n := len(mp.Wait("resend@example.test", 1)); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	if err := e.Mail.Resend(context.Background(), e.Admin(), id); err == nil {
		t.Fatal("a sent message was queued again")
	}
	// Both resends are audited as the admin's, the refused one with its reason.
	var got string
	if err := e.Pool.QueryRow(context.Background(), `SELECT string_agg(outcome || ':' || (detail <> '')::text, ',' ORDER BY id)
		FROM audit_log WHERE action = 'mail.resend' AND object_id = $1 AND acting_email <> ''`, fmt.Sprint(id)).Scan(&got); err != nil || got != "success:false,failure:true" {
		t.Errorf("resend audit: %q, %v; want a success and a failure with its reason", got, err)
	}
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]mailer.SMTP{
		"off":                           {Off: true},
		"smtp://u:p@mail.example:2525":  {Host: "mail.example", Port: 2525, User: "u", Pass: "p", StartTLS: "opportunistic"},
		"smtp://mail.example":           {Host: "mail.example", Port: 587, StartTLS: "opportunistic"},
		"smtps://u:p@mail.example":      {Host: "mail.example", Port: 465, User: "u", Pass: "p", ImplicitTLS: true, StartTLS: "opportunistic"},
		"smtp://h:25?starttls=required": {Host: "h", Port: 25, StartTLS: "required"},
		"smtps://h?tls_verify=false":    {Host: "h", Port: 465, ImplicitTLS: true, StartTLS: "opportunistic", SkipVerify: true},
	} {
		got, err := mailer.ParseURL(in)
		if err != nil || got != want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "http://h", "smtp://", "smtp://h:0", "smtp://h?x=1", "smtps://h?starttls=none", "smtp://h/path"} {
		if _, err := mailer.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if _, err := mailer.ParseURL("smtp://u:secret@h:x"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL with password: %v", err)
	}
}
