package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Sessions reads and writes the scs session rows. Besides scs's token, data and expiry, a row names its signed-in
// accounts (acting and effective), so one statement can load a session together with who it belongs to.
type Sessions struct{ db DBTX }

// NewSessions returns the sessions table over db.
func NewSessions(db DBTX) Sessions { return Sessions{db: db} }

// SessionRow is a session and, when it is signed in, its accounts and the effective account's customer and plan.
type SessionRow struct {
	Data      []byte
	Expiry    time.Time // when the row lapses unless it is touched (Touch) or written again
	Acting    *Account  // nil when the session is not signed in (or its account is gone)
	Effective *Account  // the account the session works as; the acting one unless impersonating
	Customer  *Customer // the effective account's customer; nil for an admin
	Plan      *Plan     // that customer's plan
	Brand     *Brand    // the look its pages wear: its reseller's for a reseller's client, else the operator's
}

// sessionSignedIn reads a signed-in session with its accounts, customer, plan and brand (shownBrand). Each part is
// the table's own column list (so the tables' own destination lists read it), behind a marker column that names
// the part. The effective account's part is read only while impersonating: otherwise it is the acting account,
// which scanSignedIn copies, so the common session reads (and scans) one account, not the same one twice. A
// session whose effective account is gone reads no row, as when its acting account is.
var sessionSignedIn = `SELECT s.data, s.expiry, 1 AS acting_, a.*, 1 AS effective_, e.*, 1 AS customer_, cu.*, 1 AS plan_, pl.*, 1 AS brand_, br.*
	FROM sessions s
	JOIN LATERAL (SELECT ` + accountCols + ` FROM accounts WHERE accounts.id = s.acting_id) a ON true
	LEFT JOIN LATERAL (SELECT ` + accountCols + ` FROM accounts
		WHERE accounts.id = s.effective_id AND s.effective_id <> s.acting_id) e ON true
	LEFT JOIN LATERAL (SELECT ` + customerCols + customerFrom + ` WHERE c.id = CASE WHEN s.effective_id = s.acting_id THEN a.customer_id ELSE e.customer_id END) cu ON true
	LEFT JOIN LATERAL (SELECT ` + planCols + ` FROM plans WHERE plans.id = cu.plan_id) pl ON true
	LEFT JOIN LATERAL (` + shownBrand("cu.reseller_id") + `) br ON true
	WHERE s.token = $1 AND current_timestamp < s.expiry AND (s.effective_id = s.acting_id OR e.id IS NOT NULL)`

// Find returns the unexpired session with token. A signed-in session's accounts, customer and plan come in the
// same statement; a session that is not signed in (or whose accounts are gone) costs a second, plain read.
func (s Sessions) Find(ctx context.Context, token string) (SessionRow, bool, error) {
	var out SessionRow
	rows, err := s.db.Query(ctx, sessionSignedIn, token)
	if err != nil {
		return out, false, wrap(err, "find session")
	}
	if rows.Next() {
		err = scanSignedIn(rows, &out)
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		return out, err == nil, wrap(err, "find session")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, false, wrap(err, "find session")
	}
	err = s.db.QueryRow(ctx, `SELECT data, expiry FROM sessions WHERE token = $1 AND current_timestamp < expiry`, token).Scan(&out.Data, &out.Expiry)
	if err != nil {
		if err = wrap(err, "find session"); err == ErrNotFound {
			return out, false, nil
		}
		return out, false, err
	}
	return out, true, nil
}

// scanSignedIn scans sessionSignedIn's row in one Scan, so pgx plans each column once. The destinations come from
// the tables' own lists (accountDest, customerDest, planDest, brandDest), so their columns can change without touching this;
// the marker columns check that each part starts where its list says.
func scanSignedIn(rows pgx.Rows, out *SessionRow) error {
	var (
		accts [2]Account
		c     Customer
		p     Plan
		b     Brand
	)
	fds := rows.FieldDescriptions()
	dest := make([]any, 0, len(fds))
	at := func(marker string) error {
		if len(dest) >= len(fds) || fds[len(dest)].Name != marker {
			return fmt.Errorf("session row: column %d is not %s", len(dest), marker)
		}
		dest = append(dest, nil)
		return nil
	}
	dest = append(dest, &out.Data, &out.Expiry)
	if err := at("acting_"); err != nil {
		return err
	}
	dest = accountDest(&accts[0], dest)
	if err := at("effective_"); err != nil {
		return err
	}
	impersonating := rows.RawValues()[len(dest)] != nil // else the effective account is the acting one
	if impersonating {
		dest = accountDest(&accts[1], dest)
	} else {
		dest = append(dest, make([]any, len(accountDest(&accts[1], nil)))...)
	}
	if err := at("customer_"); err != nil {
		return err
	}
	customer := rows.RawValues()[len(dest)] != nil // no customer: an admin
	if customer {
		dest = customerDest(&c, dest)
	} else {
		dest = append(dest, make([]any, len(customerDest(&c, nil)))...)
	}
	if err := at("plan_"); err != nil {
		return err
	}
	if customer {
		dest = planDest(&p, dest)
	} else {
		dest = append(dest, make([]any, len(planDest(&p, nil)))...)
	}
	if err := at("brand_"); err != nil {
		return err
	}
	dest = brandDest(&b, dest)
	if len(dest) != len(fds) {
		return fmt.Errorf("session row: %d columns, %d destinations", len(fds), len(dest))
	}
	sc := scanner(sessionSignedIn)
	if err := sc.scan(rows, dest); err != nil {
		return err
	}
	if !impersonating {
		accts[1] = accts[0]
	}
	out.Acting, out.Effective, out.Brand = &accts[0], &accts[1], &b
	if customer {
		out.Customer, out.Plan = &c, &p
	}
	return nil
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

// Touch moves an unchanged session's expiry (its idle timeout) later, without writing its data. It reports false
// when the session has lapsed meanwhile (it is not revived) or was written with a later expiry.
func (s Sessions) Touch(ctx context.Context, token string, expiry time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token = $1 AND current_timestamp < expiry AND expiry < $2`,
		token, expiry)
	return tag.RowsAffected() == 1, wrap(err, "touch session")
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
