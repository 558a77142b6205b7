package store

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
	OutcomeUnknown = "unknown" // ISPConfig did not reveal the outcome; a job settles it
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	ID                 int64
	At                 time.Time
	ActingAccountID    *int64
	ActingEmail        string
	EffectiveAccountID *int64
	EffectiveEmail     string
	Action             string
	ObjectType         string
	ObjectID           string
	IP                 string
	Outcome            string
	Detail             string
}

// AuditLog appends to and reads the audit log.
type AuditLog struct{ db DBTX }

// NewAuditLog returns the audit log over db.
func NewAuditLog(db DBTX) AuditLog { return AuditLog{db: db} }

// Append writes e; At and ID are set by the database.
func (s AuditLog) Append(ctx context.Context, e AuditEntry) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO audit_log (acting_account_id, acting_email, effective_account_id, effective_email, action,
			object_type, object_id, ip, outcome, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ActingAccountID, e.ActingEmail, e.EffectiveAccountID, e.EffectiveEmail, e.Action, e.ObjectType,
		e.ObjectID, e.IP, e.Outcome, e.Detail)
	return wrap(err, "append audit %q", e.Action)
}

// AuditFilter narrows a listing of the audit log. Empty fields match everything.
type AuditFilter struct {
	Action  string // prefix match, e.g. "signin" matches "signin.failure"
	Account string // matches the acting or the effective email, case-insensitively, as a substring
	Outcome string
	Before  int64 // keyset pagination: only rows with id < Before
	Limit   int
}

// List returns entries newest first, plus whether more rows follow.
func (s AuditLog) List(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	q := newNewestFirst(f.Limit, f.Before)
	if f.Action != "" {
		q.add("action LIKE " + q.arg(escapeLike(f.Action)+"%"))
	}
	if f.Account != "" {
		p := q.arg("%" + escapeLike(strings.ToLower(f.Account)) + "%")
		q.add("(lower(acting_email) LIKE " + p + " OR lower(effective_email) LIKE " + p + ")")
	}
	if f.Outcome != "" {
		q.add("outcome = " + q.arg(f.Outcome))
	}
	rows, _ := q.query(ctx, s.db, `SELECT id, at, acting_account_id, acting_email, effective_account_id, effective_email,
		action, object_type, object_id, ip, outcome, detail FROM audit_log`)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := row.Scan(&e.ID, &e.At, &e.ActingAccountID, &e.ActingEmail, &e.EffectiveAccountID, &e.EffectiveEmail,
			&e.Action, &e.ObjectType, &e.ObjectID, &e.IP, &e.Outcome, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, false, wrap(err, "list audit")
	}
	list, more := page(q, list)
	return list, more, nil
}

// escapeLike makes s match literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
