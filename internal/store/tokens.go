package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Purposes of account tokens.
const (
	TokenInvite      = "invite"
	TokenReset       = "reset"
	TokenEmailChange = "email_change"
)

// AccountToken is a single-use link sent by email; only the SHA-256 of its secret is stored.
type AccountToken struct {
	ID        int64
	Purpose   string
	AccountID int64
	Email     string // the address the link was sent to, and is bound to
	Hash      []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
	Expired   bool // computed by the database's clock
}

// Tokens reads and writes account_tokens.
type Tokens struct{ db DBTX }

// NewTokens returns the token table over db.
func NewTokens(db DBTX) Tokens { return Tokens{db: db} }

const tokenCols = `id, purpose, account_id, email, token_hash, expires_at, used_at, revoked_at, created_at, expires_at <= now()`

func scanToken(row pgx.CollectableRow) (AccountToken, error) {
	var t AccountToken
	err := row.Scan(&t.ID, &t.Purpose, &t.AccountID, &t.Email, &t.Hash, &t.ExpiresAt, &t.UsedAt, &t.RevokedAt, &t.CreatedAt, &t.Expired)
	return t, err
}

// Create stores a token valid for ttl from the database's now.
func (s Tokens) Create(ctx context.Context, purpose string, accountID int64, email string, hash []byte, ttl time.Duration) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO account_tokens (purpose, account_id, email, token_hash, expires_at)
		VALUES ($1, $2, $3, $4, now() + $5::interval) RETURNING id`, purpose, accountID, email, hash, ttl.String()).Scan(&id)
	return id, wrap(err, "create %s token", purpose)
}

// RevokeAll revokes every open token of purpose for the account and returns how many.
func (s Tokens) RevokeAll(ctx context.Context, accountID int64, purpose string) (int64, error) {
	tag, err := s.db.Exec(ctx, `UPDATE account_tokens SET revoked_at = now()
		WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL AND revoked_at IS NULL`, accountID, purpose)
	return tag.RowsAffected(), wrap(err, "revoke %s tokens", purpose)
}

// Usable returns the unused, unrevoked and unexpired token of purpose with hash, locked FOR UPDATE; ErrNotFound
// otherwise (one answer for unknown, used, revoked and expired links).
func (s Tokens) Usable(ctx context.Context, purpose string, hash []byte) (AccountToken, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+tokenCols+` FROM account_tokens WHERE token_hash = $1 AND purpose = $2
		AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() FOR UPDATE`, hash, purpose)
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	return t, wrap(err, "%s token", purpose)
}

// Use marks a token used; it reports false when it was used already.
func (s Tokens) Use(ctx context.Context, id int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL`, id)
	return tag.RowsAffected() == 1, wrap(err, "use token %d", id)
}

// Latest returns the account's newest token of purpose, or ErrNotFound.
func (s Tokens) Latest(ctx context.Context, accountID int64, purpose string) (AccountToken, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+tokenCols+` FROM account_tokens WHERE account_id = $1 AND purpose = $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, accountID, purpose)
	t, err := pgx.CollectExactlyOneRow(rows, scanToken)
	return t, wrap(err, "latest %s token", purpose)
}
