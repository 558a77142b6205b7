package store

import (
	"context"
	"strings"
	"time"
)

// Sessions reads and writes the scs session rows. Besides scs's token, data and expiry, a row names its signed-in
// accounts (acting and effective), so one statement can load a session together with who it belongs to.
type Sessions struct{ db DBTX }

// NewSessions returns the sessions table over db.
func NewSessions(db DBTX) Sessions { return Sessions{db: db} }

// SessionRow is a session and, when it is signed in, its accounts and the effective account's customer and plan.
type SessionRow struct {
	Data      []byte
	Acting    *Account  // nil when the session is not signed in (or its account is gone)
	Effective *Account  // the account the session works as; the acting one unless impersonating
	Customer  *Customer // the effective account's customer; nil for an admin
	Plan      *Plan     // that customer's plan
}

// prefix qualifies each column of a plain column list (no expressions) with alias.
func prefix(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

var sessionSignedIn = `SELECT s.data, ` + prefix("a", accountCols) + `, ` + prefix("e", accountCols) + `, c.id, ` +
	customerCols + `, ` + prefix("p", planCols) + `
	FROM sessions s JOIN accounts a ON a.id = s.acting_id JOIN accounts e ON e.id = s.effective_id
	LEFT JOIN customers c ON c.id = e.customer_id LEFT JOIN plans p ON p.id = c.plan_id
	LEFT JOIN customers r ON r.id = c.reseller_id
	WHERE s.token = $1 AND current_timestamp < s.expiry`

// Find returns the unexpired session with token. A signed-in session's accounts, customer and plan come in the
// same statement; a session that is not signed in (or whose accounts are gone) costs a second, plain read.
func (s Sessions) Find(ctx context.Context, token string) (SessionRow, bool, error) {
	var out SessionRow
	rows, err := s.db.Query(ctx, sessionSignedIn, token)
	if err != nil {
		return out, false, wrap(err, "find session")
	}
	if rows.Next() {
		var a, e Account
		var c Customer
		var p Plan
		dest := append(append([]any{&out.Data}, accountDest(&a)...), accountDest(&e)...)
		customerAt := len(dest)
		dest = append(dest, nil)
		cd, pd := customerDest(&c), planDest(&p)
		hasCustomer := rows.RawValues()[customerAt] != nil
		if hasCustomer {
			dest = append(append(dest, cd...), pd...)
		} else {
			dest = append(dest, make([]any, len(cd)+len(pd))...) // nil: skip the NULL columns
		}
		err = rows.Scan(dest...)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return out, false, wrap(err, "find session")
		}
		out.Acting, out.Effective = &a, &e
		if hasCustomer {
			out.Customer, out.Plan = &c, &p
		}
		return out, true, nil
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, false, wrap(err, "find session")
	}
	err = s.db.QueryRow(ctx, `SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).Scan(&out.Data)
	if err != nil {
		if err = wrap(err, "find session"); err == ErrNotFound {
			return out, false, nil
		}
		return out, false, err
	}
	return out, true, nil
}

// Commit writes a session; actingID and effectiveID are its signed-in accounts (0: none).
func (s Sessions) Commit(ctx context.Context, token string, data []byte, expiry time.Time, actingID, effectiveID int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO sessions (token, data, expiry, acting_id, effective_id)
		VALUES ($1, $2, $3, nullif($4, 0), nullif($5, 0))
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry,
			acting_id = EXCLUDED.acting_id, effective_id = EXCLUDED.effective_id`,
		token, data, expiry, actingID, effectiveID)
	return wrap(err, "commit session")
}

// Delete removes a session.
func (s Sessions) Delete(ctx context.Context, token string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token)
	return wrap(err, "delete session")
}

// DeleteExpired removes the sessions past their expiry.
func (s Sessions) DeleteExpired(ctx context.Context) error {
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expiry < current_timestamp`)
	return wrap(err, "delete expired sessions")
}
