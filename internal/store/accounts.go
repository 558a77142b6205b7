package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Role is what an account may do in the portal.
type Role string

// The three roles. Impersonation does not add a role: it changes the effective account.
const (
	RoleAdmin    Role = "admin"
	RoleReseller Role = "reseller"
	RoleClient   Role = "client"
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleReseller || r == RoleClient }

// Account is a portal sign-in.
type Account struct {
	ID                int64
	Email             string
	Name              string
	Role              Role
	PasswordHash      string
	FailedLogins      int
	LockedUntil       *time.Time
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	CustomerID        *int64 // the reseller or client this account signs in for; nil for admins
	EmailConfirmedAt  *time.Time
	PendingEmail      *string // a new address waiting for its confirmation link
	TOTPSecret        string  // a TOTP secret in base32 from before secrets were sealed; "" when none (or sealed)
	TOTPSealed        []byte  // the TOTP secret sealed with PORTAL_SECRET_KEY (internal/secret); nil when none
	Passkeys          int     // how many passkeys the account has
	Language          string  // the portal language the account chose ("en", "de"); "" follows the browser
}

// NoPassword is the password hash of an account whose owner has not chosen a password yet (an invitation is out):
// it matches no password.
const NoPassword = "!none"

// HasPassword reports whether the account's owner has set a password.
func (a Account) HasPassword() bool { return a.PasswordHash != NoPassword }

// HasTOTP reports whether the account has a TOTP authenticator.
func (a Account) HasTOTP() bool { return a.TOTPSecret != "" || len(a.TOTPSealed) > 0 }

// HasSecondFactor reports whether signing in needs a second factor (TOTP or a passkey).
func (a Account) HasSecondFactor() bool { return a.HasTOTP() || a.Passkeys > 0 }

// Locked reports whether the account is temporarily locked at now.
func (a Account) Locked(now time.Time) bool {
	return a.LockedUntil != nil && now.Before(*a.LockedUntil)
}

// Accounts reads and writes the accounts table.
type Accounts struct{ db DBTX }

// NewAccounts returns the accounts table over db.
func NewAccounts(db DBTX) Accounts { return Accounts{db: db} }

const accountCols = `id, email, name, role, password_hash, failed_logins, locked_until, password_changed_at, created_at, customer_id,
	email_confirmed_at, pending_email, totp_secret, totp_secret_enc,
	(SELECT count(*) FROM passkeys p WHERE p.account_id = accounts.id), coalesce(language, '')`

func scanAccount(row pgx.CollectableRow) (Account, error) {
	var a Account
	err := row.Scan(accountDest(&a, nil)...)
	return a, err
}

// accountDest appends to dest where accountCols' columns go in a.
func accountDest(a *Account, dest []any) []any {
	return append(dest, &a.ID, &a.Email, &a.Name, &a.Role, &a.PasswordHash, &a.FailedLogins, &a.LockedUntil,
		&a.PasswordChangedAt, &a.CreatedAt, &a.CustomerID, &a.EmailConfirmedAt, &a.PendingEmail, &a.TOTPSecret, &a.TOTPSealed, &a.Passkeys, &a.Language)
}

// Create inserts an account. It returns ErrConflict when the email is taken (case-insensitively).
func (s Accounts) Create(ctx context.Context, email, name string, role Role, passwordHash string) (Account, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO accounts (email, name, role, password_hash) VALUES ($1, $2, $3, $4)
		RETURNING `+accountCols, email, name, role, passwordHash)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "create account %q", email)
}

// CreateForCustomer inserts the sign-in of a reseller or client. It returns ErrConflict when the email is taken.
func (s Accounts) CreateForCustomer(ctx context.Context, email, name string, role Role, passwordHash string, customerID int64) (Account, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO accounts (email, name, role, password_hash, customer_id) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+accountCols, email, name, role, passwordHash, customerID)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "create account %q", email)
}

// ByCustomer returns the sign-in of a customer, or ErrNotFound.
func (s Accounts) ByCustomer(ctx context.Context, customerID int64) (Account, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE customer_id = $1`, customerID)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "account of customer %d", customerID)
}

// DeleteByCustomer removes a customer's sign-in (the customer row stays as a tombstone).
func (s Accounts) DeleteByCustomer(ctx context.Context, customerID int64) error {
	_, err := s.db.Exec(ctx, `DELETE FROM accounts WHERE customer_id = $1`, customerID)
	return wrap(err, "delete account of customer %d", customerID)
}

// ByEmail returns the account whose email matches case-insensitively, or ErrNotFound.
func (s Accounts) ByEmail(ctx context.Context, email string) (Account, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE lower(email) = lower($1)`, email)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "account by email")
}

// ByID returns the account with id, or ErrNotFound.
func (s Accounts) ByID(ctx context.Context, id int64) (Account, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "account %d", id)
}

// SetLanguage records the account's language ("" follows the browser again).
func (s Accounts) SetLanguage(ctx context.Context, id int64, lang string) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET language = nullif($2, '') WHERE id = $1`, id, lang)
	return wrap(err, "set language of account %d", id)
}

// Count returns how many accounts have role r.
func (s Accounts) Count(ctx context.Context, r Role) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE role = $1`, r).Scan(&n)
	return n, wrap(err, "count accounts")
}

// BeginSignIn charges one attempt to account id at now, in one statement, before its password is compared, and
// reports whether the comparison may happen: the account is not locked and at most maxFailures attempts are charged
// since the last success or lock. Concurrent attempts each get their own count, so no more than maxFailures
// guesses are ever compared (checking a count read earlier let every concurrent attempt through). A lock that
// has run out is cleared here.
func (s Accounts) BeginSignIn(ctx context.Context, id int64, maxFailures int, now time.Time) (bool, error) {
	var n int
	var until *time.Time
	err := s.db.QueryRow(ctx, `
		UPDATE accounts SET
			failed_logins = CASE WHEN locked_until > $2 THEN failed_logins
			                     WHEN locked_until IS NOT NULL THEN 1
			                     ELSE failed_logins + 1 END,
			locked_until  = CASE WHEN locked_until > $2 THEN locked_until END
		WHERE id = $1
		RETURNING failed_logins, locked_until`, id, now).Scan(&n, &until)
	if err != nil {
		return false, wrap(err, "begin sign-in %d", id)
	}
	return (until == nil || !now.Before(*until)) && n <= maxFailures, nil
}

// FailSignIn records that a compared password was wrong: once maxFailures attempts are charged the account is
// locked until now+lockFor (and the count starts again). It reports whether this failure locked it.
func (s Accounts) FailSignIn(ctx context.Context, id int64, maxFailures int, lockFor time.Duration, now time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE accounts SET locked_until = $3::timestamptz + $4 * interval '1 microsecond', failed_logins = 0
		WHERE id = $1 AND failed_logins >= $2 AND (locked_until IS NULL OR locked_until <= $3)`,
		id, maxFailures, now, lockFor.Microseconds())
	if err != nil {
		return false, wrap(err, "failed sign-in %d", id)
	}
	return tag.RowsAffected() > 0, nil
}

// ResetFailures clears the failure count and any lock after a successful sign-in.
func (s Accounts) ResetFailures(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id)
	return wrap(err, "reset failed sign-ins %d", id)
}

// SetPassword stores a new password hash and returns the change time, which invalidates older sessions.
func (s Accounts) SetPassword(ctx context.Context, id int64, hash string) (time.Time, error) {
	var at time.Time
	err := s.db.QueryRow(ctx, `
		UPDATE accounts SET password_hash = $2, password_changed_at = clock_timestamp(), failed_logins = 0,
			locked_until = NULL
		WHERE id = $1 RETURNING password_changed_at`, id, hash).Scan(&at)
	return at, wrap(err, "set password %d", id)
}

// Lock returns the account with id, locked FOR UPDATE until the transaction ends.
func (s Accounts) Lock(ctx context.Context, id int64) (Account, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = $1 FOR UPDATE`, id)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "lock account %d", id)
}

// ConfirmEmail records that the owner of the account's address followed a link sent to it.
func (s Accounts) ConfirmEmail(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET email_confirmed_at = now() WHERE id = $1`, id)
	return wrap(err, "confirm email %d", id)
}

// SetPendingEmail records a requested new address (nil clears it).
func (s Accounts) SetPendingEmail(ctx context.Context, id int64, email *string) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET pending_email = $2 WHERE id = $1`, id, email)
	return wrap(err, "set pending email %d", id)
}

// ChangeEmail makes the pending address the account's address, confirmed. ErrConflict: another account has it.
func (s Accounts) ChangeEmail(ctx context.Context, id int64, email string) error {
	_, err := s.db.Exec(ctx, `UPDATE accounts SET email = $2, pending_email = NULL, email_confirmed_at = now()
		WHERE id = $1`, id, email)
	return wrap(err, "change email %d", id)
}

// EnableTOTP stores a sealed TOTP secret and replaces the account's recovery codes with the given hashes, in one
// transaction when db is a pool. accepted is the time step of the code that proved the secret (not usable again).
func (s Accounts) EnableTOTP(ctx context.Context, id int64, sealed []byte, accepted int64, codeHashes []string) error {
	return pgx.BeginFunc(ctx, s.db.(beginner), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET totp_secret = '', totp_secret_enc = $2, totp_last_step = $3 WHERE id = $1`, id, sealed, accepted); err != nil {
			return wrap(err, "enable totp %d", id)
		}
		return NewAccounts(tx).ReplaceRecoveryCodes(ctx, id, codeHashes)
	})
}

// ReplaceRecoveryCodes deletes the account's recovery codes, used or not, and stores the given hashes instead.
func (s Accounts) ReplaceRecoveryCodes(ctx context.Context, id int64, codeHashes []string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM recovery_codes WHERE account_id = $1`, id); err != nil {
		return wrap(err, "recovery codes %d", id)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO recovery_codes (account_id, code_hash) SELECT $1, unnest($2::text[])`, id, codeHashes)
	return wrap(err, "recovery codes %d", id)
}

// DisableTOTP removes the TOTP secret and the recovery codes.
func (s Accounts) DisableTOTP(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.db.(beginner), func(tx pgx.Tx) error {
		return disableTOTP(ctx, tx, id)
	})
}

func disableTOTP(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE accounts SET totp_secret = '', totp_secret_enc = NULL, totp_last_step = 0 WHERE id = $1`, id); err != nil {
		return wrap(err, "disable totp %d", id)
	}
	_, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE account_id = $1`, id)
	return wrap(err, "recovery codes %d", id)
}

// ResetSecondFactors removes every second factor of the account (TOTP, recovery codes, passkeys) in one
// transaction, and reports how many passkeys were removed.
func (s Accounts) ResetSecondFactors(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.db.(beginner), func(tx pgx.Tx) error {
		if err := disableTOTP(ctx, tx, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM passkeys WHERE account_id = $1`, id)
		n = tag.RowsAffected()
		return wrap(err, "passkeys %d", id)
	})
	return n, err
}

// PlainTOTP lists the accounts whose TOTP secret is still stored in base32, by id.
func (s Accounts) PlainTOTP(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.Query(ctx, `SELECT id, totp_secret FROM accounts WHERE totp_secret <> ''`)
	if err != nil {
		return nil, wrap(err, "plain totp secrets")
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, wrap(err, "plain totp secrets")
		}
		out[id] = s
	}
	return out, wrap(rows.Err(), "plain totp secrets")
}

// SealTOTP replaces the plain TOTP secret of the account with its sealed form, if the plain secret is still plain
// (a concurrent change or re-seal wins); it reports whether it did.
func (s Accounts) SealTOTP(ctx context.Context, id int64, plain string, sealed []byte) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE accounts SET totp_secret = '', totp_secret_enc = $3
		WHERE id = $1 AND totp_secret = $2 AND totp_secret <> ''`, id, plain, sealed)
	if err != nil {
		return false, wrap(err, "seal totp %d", id)
	}
	return tag.RowsAffected() == 1, nil
}

// UseTOTPStep accepts time step for the account's TOTP once: it reports false when that step or a later one was
// already used (a replayed code), in one statement so two concurrent uses can't both succeed.
func (s Accounts) UseTOTPStep(ctx context.Context, id, step int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, id, step)
	if err != nil {
		return false, wrap(err, "totp step %d", id)
	}
	return tag.RowsAffected() == 1, nil
}

// UseRecoveryCode marks an unused recovery code (by hash) used; false when there is none.
func (s Accounts) UseRecoveryCode(ctx context.Context, id int64, hash string) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE recovery_codes SET used_at = now() WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL`, id, hash)
	if err != nil {
		return false, wrap(err, "recovery code %d", id)
	}
	return tag.RowsAffected() == 1, nil
}

// RecoveryCodesLeft counts the account's unused recovery codes.
func (s Accounts) RecoveryCodesLeft(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL`, id).Scan(&n)
	return n, wrap(err, "recovery codes %d", id)
}

type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}
