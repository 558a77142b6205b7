package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Passkey is a WebAuthn credential an account signs in with as its second factor.
type Passkey struct {
	ID              int64
	AccountID       int64
	CredentialID    []byte
	PublicKey       []byte // COSE-encoded
	AttestationType string
	AAGUID          []byte
	SignCount       uint32
	Transports      []string
	UserPresent     bool
	UserVerified    bool
	BackupEligible  bool
	BackupState     bool
	Name            string
	CreatedAt       time.Time
	LastUsedAt      *time.Time
}

// Passkeys reads and writes the passkeys table.
type Passkeys struct{ db DBTX }

// NewPasskeys returns the passkeys table over db.
func NewPasskeys(db DBTX) Passkeys { return Passkeys{db: db} }

const passkeyCols = `id, account_id, credential_id, public_key, attestation_type, aaguid, sign_count, transports,
	user_present, user_verified, backup_eligible, backup_state, name, created_at, last_used_at`

func scanPasskey(row pgx.CollectableRow) (Passkey, error) {
	var p Passkey
	var count int64
	err := row.Scan(&p.ID, &p.AccountID, &p.CredentialID, &p.PublicKey, &p.AttestationType, &p.AAGUID, &count,
		&p.Transports, &p.UserPresent, &p.UserVerified, &p.BackupEligible, &p.BackupState, &p.Name, &p.CreatedAt, &p.LastUsedAt)
	p.SignCount = uint32(count)
	return p, err
}

// Add stores a new passkey. ErrConflict: the credential is already registered (to any account).
func (s Passkeys) Add(ctx context.Context, p Passkey) (Passkey, error) {
	if p.Transports == nil {
		p.Transports = []string{}
	}
	if p.AAGUID == nil {
		p.AAGUID = []byte{}
	}
	rows, _ := s.db.Query(ctx, `
		INSERT INTO passkeys (account_id, credential_id, public_key, attestation_type, aaguid, sign_count, transports,
			user_present, user_verified, backup_eligible, backup_state, name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING `+passkeyCols, p.AccountID, p.CredentialID, p.PublicKey, p.AttestationType, p.AAGUID, int64(p.SignCount),
		p.Transports, p.UserPresent, p.UserVerified, p.BackupEligible, p.BackupState, p.Name)
	out, err := pgx.CollectExactlyOneRow(rows, scanPasskey)
	return out, wrap(err, "add passkey for account %d", p.AccountID)
}

// ForAccount lists the account's passkeys, oldest first.
func (s Passkeys) ForAccount(ctx context.Context, accountID int64) ([]Passkey, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE account_id = $1 ORDER BY id`, accountID)
	out, err := pgx.CollectRows(rows, scanPasskey)
	return out, wrap(err, "passkeys of account %d", accountID)
}

// Remove deletes the account's passkey id; ErrNotFound when the account has no such passkey.
func (s Passkeys) Remove(ctx context.Context, accountID, id int64) (Passkey, error) {
	rows, _ := s.db.Query(ctx, `DELETE FROM passkeys WHERE id = $1 AND account_id = $2 RETURNING `+passkeyCols, id, accountID)
	out, err := pgx.CollectExactlyOneRow(rows, scanPasskey)
	return out, wrap(err, "remove passkey %d of account %d", id, accountID)
}

// Used records a successful assertion of the account's passkey: its new signature counter and flags. It reports
// false, changing nothing, when the stored counter is not below the new one (a cloned authenticator, or a
// concurrent use of the same count); authenticators that keep no counter send 0 every time and always pass.
func (s Passkeys) Used(ctx context.Context, accountID, id int64, signCount uint32, userVerified, backupState bool) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE passkeys SET sign_count = $3, user_verified = user_verified OR $4,
		backup_state = $5, last_used_at = now()
		WHERE id = $1 AND account_id = $2 AND (sign_count < $3 OR (sign_count = 0 AND $3 = 0))`,
		id, accountID, int64(signCount), userVerified, backupState)
	if err != nil {
		return false, wrap(err, "use passkey %d", id)
	}
	return tag.RowsAffected() == 1, nil
}
