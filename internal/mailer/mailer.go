// Package mailer sends the portal's email without ever losing a message. A message is written to the outbox table
// in the same transaction as the event that causes it (Enqueue), together with a durable river job that delivers it
// over SMTP with retries and backoff. Each message has a text and an HTML part from templ templates; its sender's
// display name is the reseller's name for a reseller's clients, the operator's otherwise.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

// SMTP is where mail goes, parsed from PORTAL_SMTP_URL.
type SMTP struct {
	Off         bool // "off": messages are kept in the outbox (state held) and never sent
	Host        string
	Port        int
	User, Pass  string
	ImplicitTLS bool   // smtps://
	StartTLS    string // smtp://: "opportunistic" (default), "required" or "none"
	SkipVerify  bool   // ?tls_verify=false: accept a self-signed certificate
}

// ParseURL reads smtp://user:pass@host:587, smtps://user:pass@host:465 or off. Options in the query:
// starttls=opportunistic|required|none (smtp:// only) and tls_verify=false.
func ParseURL(s string) (SMTP, error) {
	if s == "off" {
		return SMTP{Off: true}, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return SMTP{}, fmt.Errorf("want smtp://user:pass@host:587, smtps://user:pass@host:465 or off, got %q", redact(s))
	}
	c := SMTP{Host: u.Hostname(), ImplicitTLS: u.Scheme == "smtps", StartTLS: "opportunistic", Port: 587}
	if c.ImplicitTLS {
		c.Port = 465
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTP{}, fmt.Errorf("invalid port in %q", redact(s))
		}
		c.Port = n
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Pass, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "starttls" && k != "tls_verify" {
			return SMTP{}, fmt.Errorf("unknown option %q (known: starttls, tls_verify)", k)
		}
	}
	if v := q.Get("starttls"); v != "" {
		if v != "opportunistic" && v != "required" && v != "none" {
			return SMTP{}, fmt.Errorf("starttls: want opportunistic, required or none, got %q", v)
		}
		if c.ImplicitTLS {
			return SMTP{}, errors.New("starttls applies to smtp:// only; smtps:// is TLS from the start")
		}
		c.StartTLS = v
	}
	if v := q.Get("tls_verify"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return SMTP{}, fmt.Errorf("tls_verify: want true or false, got %q", v)
		}
		c.SkipVerify = !b
	}
	return c, nil
}

// redact hides a password in a URL for error messages.
func redact(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return s
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return s
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// Config is the mailer's configuration.
type Config struct {
	SMTP SMTP
	// From is the operator's sender, "Example Hosting <noreply@example.com>" (PORTAL_MAIL_FROM). Its address is the
	// envelope and From address of every message; its name is the display name unless a reseller's applies.
	From string
	// BaseURL is the portal's public address (PORTAL_BASE_URL), for the brand's logo in the HTML part; "" leaves
	// the logo out.
	BaseURL string
}

// Service writes messages to the outbox and delivers them.
type Service struct {
	pool     *pgxpool.Pool
	smtp     SMTP
	fromAddr string
	fromName string
	baseURL  string
	jobs     *river.Client[pgx.Tx]
	log      *slog.Logger

	// RetryBase and RetryMax shape the backoff between attempts: base·2^(attempt-1), at most max.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many attempts a message gets before it is failed.
	MaxAttempts int
	// Timeout bounds one SMTP attempt.
	Timeout time.Duration
}

// New returns a Service.
func New(pool *pgxpool.Pool, cfg Config, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail from %q: want Name <address@example.com>: %v", cfg.From, err)
	}
	return &Service{pool: pool, smtp: cfg.SMTP, fromAddr: from.Address, fromName: from.Name, baseURL: cfg.BaseURL, log: log,
		RetryBase: 30 * time.Second, RetryMax: time.Hour, MaxAttempts: 20, Timeout: 30 * time.Second}, nil
}

// SetJobs sets the river client that delivery jobs are inserted with.
func (s *Service) SetJobs(c *river.Client[pgx.Tx]) { s.jobs = c }

// FromName is the operator's display name (PORTAL_MAIL_FROM).
func (s *Service) FromName() string { return s.fromName }

// Off reports whether sending is off (messages are held in the outbox).
func (s *Service) Off() bool { return s.smtp.Off }

// Mail is one message to enqueue.
type Mail struct {
	Kind       string // what caused it: invite, reset, email_change, …
	CustomerID *int64 // the customer it concerns: its reseller's name becomes the sender's display name
	To, ToName string
	Subject    string
	Body       views.EmailBody // Signature is filled in with the sender's name when empty
	FromName   string          // overrides the display name (a reseller's own signup page)
	// Compose, when set, writes the subject and body in the recipient's language (the account's choice, else
	// English) and replaces Subject and Body; texts come from the catalogue (l.Text, l.Textf).
	Compose func(l i18n.Lang) (subject string, body views.EmailBody)
}

// Greeting is a message's first line: "Hello Ann," or "Hello," without a name.
func Greeting(l i18n.Lang, name string) string {
	if name == "" {
		return l.Text("Hello,")
	}
	return l.Textf("Hello %s,", name)
}

// Enqueue renders m and records it in tx with its delivery job: both exist or neither does.
func (s *Service) Enqueue(ctx context.Context, tx pgx.Tx, m Mail) (int64, error) {
	if _, err := mail.ParseAddress(m.To); err != nil || strings.ContainsAny(m.To, "\r\n") {
		return 0, fmt.Errorf("mailer: invalid recipient %q", m.To)
	}
	fromName, brand, err := s.sender(ctx, tx, m.CustomerID)
	if err != nil {
		return 0, err
	}
	m.Body.Accent, m.Body.SupportEmail = brand.Accent, brand.SupportEmail
	if brand.LogoHash != "" && s.baseURL != "" {
		m.Body.LogoURL = s.baseURL + "/brand/logo/" + brand.LogoHash
	}
	if m.FromName != "" {
		fromName = m.FromName
	}
	// The message speaks its recipient's language: the account's choice, else English; the template renders in
	// it too.
	var choice string
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT language FROM accounts WHERE lower(email) = lower($1)), '')`, m.To).Scan(&choice); err != nil {
		return 0, fmt.Errorf("mailer: recipient's language: %w", err)
	}
	lang := i18n.Pick(choice, "")
	ctx = i18n.With(ctx, lang)
	if m.Compose != nil {
		m.Subject, m.Body = m.Compose(lang)
	}
	if m.Body.Signature == "" {
		m.Body.Signature = fromName
	}
	text, htmlPart, err := Render(ctx, m.Body)
	if err != nil {
		return 0, err
	}
	row := store.OutboxMessage{Kind: m.Kind, CustomerID: m.CustomerID, To: m.To, ToName: m.ToName, FromName: fromName,
		Subject: m.Subject, Text: text, HTML: htmlPart}
	if s.smtp.Off {
		row.State = store.MailHeld
	}
	id, err := store.NewOutbox(tx).Insert(ctx, row)
	if err != nil || s.smtp.Off {
		return id, err
	}
	return id, s.insertJob(ctx, tx, id)
}

func (s *Service) insertJob(ctx context.Context, tx pgx.Tx, id int64) error {
	if s.jobs == nil {
		return errors.New("mailer: no job client configured")
	}
	_, err := s.jobs.InsertTx(ctx, tx, SendArgs{ID: id}, &river.InsertOpts{MaxAttempts: s.MaxAttempts})
	if err != nil {
		return fmt.Errorf("mailer: enqueue delivery: %w", err)
	}
	return nil
}

// sender is the display name and brand of a message about customerID: its reseller's brand (its display name, else
// the reseller's name) for a reseller's client, and the operator's name (PORTAL_MAIL_FROM) and brand otherwise.
func (s *Service) sender(ctx context.Context, db store.DBTX, customerID *int64) (string, store.Brand, error) {
	// The query runs with or without a customer, so a message about nobody costs the same work as one about
	// somebody (a password reset for an unknown address must not be told apart by its work).
	b, err := store.NewBrands(db).ShownFor(ctx, customerID)
	if err != nil {
		return "", b, fmt.Errorf("mailer: sender of customer %v: %w", customerID, err)
	}
	if !b.OfReseller || b.Name == "" {
		return s.fromName, b, nil
	}
	return b.Name, b, nil
}

// Render returns the text and HTML parts of a body.
func Render(ctx context.Context, b views.EmailBody) (string, string, error) {
	var t, h strings.Builder
	if err := views.EmailText(b).Render(ctx, &t); err != nil {
		return "", "", err
	}
	if err := views.EmailHTML(b).Render(ctx, &h); err != nil {
		return "", "", err
	}
	lines := strings.Split(html.UnescapeString(t.String()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
		if lines[i] == "--" {
			lines[i] = "-- " // the signature separator keeps its space
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n")) + "\n", h.String(), nil
}

// Deliver sends message id once: a message already sent (or held) is left alone, so a repeated job never sends it
// twice. attempt and final come from the job; a failure is recorded on the message and returned for river to retry.
func (s *Service) Deliver(ctx context.Context, id int64, final bool) error {
	ob := store.NewOutbox(s.pool)
	m, err := ob.ByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if m.State == store.MailSent || m.State == store.MailHeld {
		return nil
	}
	inst, err := store.InstallationID(ctx, s.pool)
	if err != nil {
		return err
	}
	sendErr := s.send(ctx, m, inst)
	if sendErr == nil {
		return ob.MarkSent(context.WithoutCancel(ctx), id)
	}
	permanent := false
	var se *gomail.SendError
	if errors.As(sendErr, &se) && !se.IsTemp() && se.Reason == gomail.ErrSMTPRcptTo {
		permanent = true // the server refused the recipient: retrying won't change that
	}
	if err := ob.MarkFailed(context.WithoutCancel(ctx), id, shortErr(sendErr), final || permanent); err != nil {
		return err
	}
	s.log.WarnContext(ctx, "mail delivery failed", "outbox_id", id, "err", sendErr, "final", final || permanent)
	if permanent {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

func shortErr(err error) string {
	msg := err.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return msg
}

// send delivers one message over SMTP.
func (s *Service) send(ctx context.Context, m store.OutboxMessage, inst string) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(m.FromName, s.fromAddr); err != nil {
		return err
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return err
	}
	msg.Subject(m.Subject)
	domain := s.fromAddr[strings.LastIndexByte(s.fromAddr, '@')+1:]
	// One Message-ID per outbox row: a message delivered twice would be recognisable as one.
	msg.SetMessageIDWithValue(fmt.Sprintf("outbox-%d.%s@%s", m.ID, inst, domain))
	msg.SetDateWithValue(m.CreatedAt)
	msg.SetGenHeader("X-Portal-Outbox-ID", strconv.FormatInt(m.ID, 10))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	opts := []gomail.Option{gomail.WithPort(s.smtp.Port), gomail.WithTimeout(s.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.smtp.Host, InsecureSkipVerify: s.smtp.SkipVerify, MinVersion: tls.VersionTLS12})} //nolint:gosec // opted in by tls_verify=false
	switch {
	case s.smtp.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.smtp.StartTLS == "required":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case s.smtp.StartTLS == "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.smtp.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.smtp.User),
			gomail.WithPassword(s.smtp.Pass))
	}
	c, err := gomail.NewClient(s.smtp.Host, opts...)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	return c.DialAndSendWithContext(sctx, msg)
}

// Resend puts a failed (or held) message back in the queue with a new delivery job.
// The actor's attempt is audited (mail.resend), with its error when refused.
func (s *Service) Resend(ctx context.Context, a Actor, id int64) error {
	err := s.resend(ctx, id)
	outcome, detail := store.OutcomeSuccess, ""
	if err != nil {
		outcome, detail = store.OutcomeFailure, err.Error()
	}
	if aerr := store.NewAuditLog(s.pool).Append(context.WithoutCancel(ctx), a.Entry("mail.resend", "outbox", id, outcome, detail)); aerr != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", aerr, "action", "mail.resend")
	}
	return err
}

// Actor is who asks, as the services' actor (tenancy.Actor) writes itself into the audit log: the mailer needs no
// more of it, and tenancy no dependency on the mailer's.
type Actor interface {
	Entry(action, objType string, id int64, outcome, detail string) store.AuditEntry
}

// Messages lists the newest outgoing messages (at most 200), of one state or ("") of any.
func (s *Service) Messages(ctx context.Context, state string) ([]store.OutboxMessage, error) {
	if state != "" && !slices.Contains([]string{store.MailQueued, store.MailRetrying, store.MailSent, store.MailFailed, store.MailHeld}, state) {
		return nil, fail.New(http.StatusBadRequest, "Unknown state.")
	}
	return store.NewOutbox(s.pool).List(ctx, state, 200)
}

// Message returns one outgoing message; the caller resolved that the actor may see it (admins).
func (s *Service) Message(ctx context.Context, id int64) (store.OutboxMessage, error) {
	return store.NewOutbox(s.pool).ByID(ctx, id)
}

func (s *Service) resend(ctx context.Context, id int64) error {
	if s.smtp.Off {
		return fail.Conflict("Sending mail is off (PORTAL_SMTP_URL=off); the message stays in the outbox.")
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ok, err := store.NewOutbox(tx).Requeue(ctx, id)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := store.NewOutbox(tx).ByID(ctx, id); err != nil {
				return err
			}
			return fail.Conflict("Only a failed message can be sent again; this one is still being delivered or was sent.")
		}
		return s.insertJob(ctx, tx, id)
	})
}

// SendArgs is the durable job that delivers one outbox message.
type SendArgs struct {
	ID int64 `json:"outbox_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "send_mail" }

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

func (w *sendWorker) Work(ctx context.Context, j *river.Job[SendArgs]) error {
	return w.s.Deliver(ctx, j.Args.ID, j.Attempt >= j.MaxAttempts)
}

// NextRetry is the backoff: RetryBase doubling per attempt, at most RetryMax.
func (w *sendWorker) NextRetry(j *river.Job[SendArgs]) time.Time {
	d := w.s.RetryBase
	for i := 1; i < j.Attempt && d < w.s.RetryMax; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, w.s.RetryMax))
}

// Timeout bounds one delivery job.
func (w *sendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return w.s.Timeout + 10*time.Second }

// AddWorkers registers the delivery worker (pass it to tenancy.NewJobs).
func (s *Service) AddWorkers(w *river.Workers) { river.AddWorker(w, &sendWorker{s: s}) }
