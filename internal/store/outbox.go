package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox message states.
const (
	MailQueued   = "queued"   // waiting for its first attempt
	MailRetrying = "retrying" // an attempt failed; the job tries again with backoff
	MailSent     = "sent"
	MailFailed   = "failed" // the job gave up; an admin may resend it
	MailHeld     = "held"   // sending is off (PORTAL_SMTP_URL=off): kept, never sent
)

// OutboxMessage is one outgoing email.
type OutboxMessage struct {
	ID         int64
	Kind       string // what caused it: invite, reset, …
	CustomerID *int64 // the customer it is about, if any
	To         string
	ToName     string
	FromName   string
	Subject    string
	Text       string
	HTML       string
	State      string
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	SentAt     *time.Time
}

// Outbox reads and writes the outbox table.
type Outbox struct{ db DBTX }

// NewOutbox returns the outbox over db.
func NewOutbox(db DBTX) Outbox { return Outbox{db: db} }

const outboxCols = `id, kind, customer_id, to_addr, to_name, from_name, subject, text_body, html_body, state, attempts,
	last_error, created_at, updated_at, sent_at`

func scanOutbox(row pgx.CollectableRow) (OutboxMessage, error) {
	var m OutboxMessage
	err := row.Scan(&m.ID, &m.Kind, &m.CustomerID, &m.To, &m.ToName, &m.FromName, &m.Subject, &m.Text, &m.HTML,
		&m.State, &m.Attempts, &m.LastError, &m.CreatedAt, &m.UpdatedAt, &m.SentAt)
	return m, err
}

// Insert records a message in state m.State (queued when empty) and returns its id.
func (s Outbox) Insert(ctx context.Context, m OutboxMessage) (int64, error) {
	if m.State == "" {
		m.State = MailQueued
	}
	var id int64
	err := s.db.QueryRow(ctx, `
		INSERT INTO outbox (kind, customer_id, to_addr, to_name, from_name, subject, text_body, html_body, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		m.Kind, m.CustomerID, m.To, m.ToName, m.FromName, m.Subject, m.Text, m.HTML, m.State).Scan(&id)
	return id, wrap(err, "insert outbox message")
}

// ByID returns one message.
func (s Outbox) ByID(ctx context.Context, id int64) (OutboxMessage, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = $1`, id)
	m, err := pgx.CollectExactlyOneRow(rows, scanOutbox)
	return m, wrap(err, "outbox message %d", id)
}

// List returns the newest messages first, only those in state when it is not empty.
func (s Outbox) List(ctx context.Context, state string, limit int) ([]OutboxMessage, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE ($1 = '' OR state = $1)
		ORDER BY created_at DESC, id DESC`+limitClause(limit), state)
	list, err := pgx.CollectRows(rows, scanOutbox)
	return list, wrap(err, "list outbox")
}

// MarkSent records a delivered message.
func (s Outbox) MarkSent(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_error = '',
		sent_at = now(), updated_at = now() WHERE id = $1`, id)
	return wrap(err, "mark outbox %d sent", id)
}

// MarkFailed records a failed attempt: retrying, or failed when the sender gave up.
func (s Outbox) MarkFailed(ctx context.Context, id int64, msg string, final bool) error {
	state := MailRetrying
	if final {
		state = MailFailed
	}
	_, err := s.db.Exec(ctx, `UPDATE outbox SET state = $2, attempts = attempts + 1, last_error = $3,
		updated_at = now() WHERE id = $1 AND state <> 'sent'`, id, state, msg)
	return wrap(err, "mark outbox %d failed", id)
}

// Requeue puts a failed (or held) message back in the queue; it reports false when the message is in another state.
func (s Outbox) Requeue(ctx context.Context, id int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE outbox SET state = 'queued', last_error = '', updated_at = now()
		WHERE id = $1 AND state IN ('failed', 'held')`, id)
	return tag.RowsAffected() == 1, wrap(err, "requeue outbox %d", id)
}
