package store

import (
	"context"
	"strconv"
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
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Action != "" {
		where = append(where, "action LIKE "+arg(escapeLike(f.Action)+"%"))
	}
	if f.Account != "" {
		p := arg("%" + escapeLike(strings.ToLower(f.Account)) + "%")
		where = append(where, "(lower(acting_email) LIKE "+p+" OR lower(effective_email) LIKE "+p+")")
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(f.Outcome))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	q := `SELECT id, at, acting_account_id, acting_email, effective_account_id, effective_email, action, object_type,
		object_id, ip, outcome, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + arg(f.Limit+1)
	rows, _ := s.db.Query(ctx, q, args...)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := row.Scan(&e.ID, &e.At, &e.ActingAccountID, &e.ActingEmail, &e.EffectiveAccountID, &e.EffectiveEmail,
			&e.Action, &e.ObjectType, &e.ObjectID, &e.IP, &e.Outcome, &e.Detail)
		return e, err
	})
	if err != nil {
		return nil, false, wrap(err, "list audit")
	}
	more := len(list) > f.Limit
	if more {
		list = list[:f.Limit]
	}
	return list, more, nil
}

// escapeLike makes s match literally inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
