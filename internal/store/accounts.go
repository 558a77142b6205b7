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
}

// NoPassword is the password hash of an account whose owner has not chosen a password yet (an invitation is out):
// it matches no password.
const NoPassword = "!none"

// HasPassword reports whether the account's owner has set a password.
func (a Account) HasPassword() bool { return a.PasswordHash != NoPassword }

// Locked reports whether the account is temporarily locked at now.
func (a Account) Locked(now time.Time) bool {
	return a.LockedUntil != nil && now.Before(*a.LockedUntil)
}

// Accounts reads and writes the accounts table.
type Accounts struct{ db DBTX }

// NewAccounts returns the accounts table over db.
func NewAccounts(db DBTX) Accounts { return Accounts{db: db} }

const accountCols = `id, email, name, role, password_hash, failed_logins, locked_until, password_changed_at, created_at, customer_id,
	email_confirmed_at, pending_email`

func scanAccount(row pgx.CollectableRow) (Account, error) {
	var a Account
	err := row.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.PasswordHash, &a.FailedLogins, &a.LockedUntil,
		&a.PasswordChangedAt, &a.CreatedAt, &a.CustomerID, &a.EmailConfirmedAt, &a.PendingEmail)
	return a, err
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

// Count returns how many accounts have role r.
func (s Accounts) Count(ctx context.Context, r Role) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE role = $1`, r).Scan(&n)
	return n, wrap(err, "count accounts")
}

// RecordFailure counts a failed sign-in in one statement, so concurrent failures are all counted, and locks the
// account until now+lockFor when the count reaches maxFailures. It returns the updated account.
func (s Accounts) RecordFailure(ctx context.Context, id int64, maxFailures int, lockFor time.Duration) (Account, error) {
	rows, _ := s.db.Query(ctx, `
		UPDATE accounts SET
			failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
			locked_until  = CASE WHEN failed_logins + 1 >= $2 THEN now() + $3::interval ELSE locked_until END
		WHERE id = $1
		RETURNING `+accountCols, id, maxFailures, lockFor.String())
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	return a, wrap(err, "record failed sign-in %d", id)
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
