package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
)

// Platform is an ISPConfig installation that customers live on.
type Platform struct {
	ID           int64
	Name         string
	Endpoint     string // the remote API's URL ("" or the embedded simulator's for the seeded platform)
	WebServerID  int64
	MailServerID int64
	RemoteUser   string
	// PasswordEnc is the remote user's password sealed with PORTAL_SECRET_KEY (internal/secret); nil for the
	// platform seeded from PORTAL_ISPCONFIG_*, whose password stays in the environment.
	PasswordEnc []byte
	TLSVerify   bool
	IsDefault   bool // new resellers and direct clients are created here
	Seeded      bool // configured by PORTAL_ISPCONFIG_* (synced at every start)
}

const platformCols = `id, name, endpoint, web_server_id, mail_server_id, remote_user, password_enc, tls_verify, is_default, seeded`

// Platforms reads and writes the platforms table.
type Platforms struct{ db DBTX }

// NewPlatforms returns the platforms table over db.
func NewPlatforms(db DBTX) Platforms { return Platforms{db: db} }

// Ensure creates or updates the platform called name and returns it: the platform configured by PORTAL_ISPCONFIG_*
// is synced at start. It becomes the default when there is none yet.
func (s Platforms) Ensure(ctx context.Context, p Platform) (Platform, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO platforms (name, endpoint, web_server_id, mail_server_id, remote_user, tls_verify, seeded, is_default)
		VALUES ($1, $2, $3, $4, $5, $6, true, NOT EXISTS (SELECT 1 FROM platforms WHERE is_default))
		ON CONFLICT (name) DO UPDATE SET endpoint = $2, web_server_id = $3, mail_server_id = $4, remote_user = $5,
			tls_verify = $6, seeded = true
		RETURNING `+platformCols, p.Name, p.Endpoint, p.WebServerID, p.MailServerID, p.RemoteUser, p.TLSVerify)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "ensure platform %q", p.Name)
}

// Create adds a platform an admin configured. Errors: ErrConflict when the name is taken.
func (s Platforms) Create(ctx context.Context, p Platform) (Platform, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO platforms (name, endpoint, web_server_id, mail_server_id, remote_user, password_enc, tls_verify, is_default)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NOT EXISTS (SELECT 1 FROM platforms WHERE is_default))
		RETURNING `+platformCols, p.Name, p.Endpoint, p.WebServerID, p.MailServerID, p.RemoteUser, p.PasswordEnc, p.TLSVerify)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "create platform %q", p.Name)
}

// ByID returns a platform.
func (s Platforms) ByID(ctx context.Context, id int64) (Platform, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+platformCols+` FROM platforms WHERE id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "platform %d", id)
}

// List returns every platform by name.
func (s Platforms) List(ctx context.Context) ([]Platform, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+platformCols+` FROM platforms ORDER BY lower(name), id`)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "list platforms")
}

// Default returns the platform new resellers and direct clients are created on. Errors: ErrNotFound.
func (s Platforms) Default(ctx context.Context) (Platform, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+platformCols+` FROM platforms WHERE is_default`)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "default platform")
}

// SetDefault makes platform id the default (and no other). Errors: ErrNotFound.
func (s Platforms) SetDefault(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE platforms SET is_default = (id = $1) WHERE is_default OR id = $1`, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if errors.Is(err, ErrNotFound) {
		return err
	}
	return wrap(err, "default platform %d", id)
}

// Customers counts the customers (not deleted) on each platform.
func (s Platforms) Customers(ctx context.Context) (map[int64]int, error) {
	rows, _ := s.db.Query(ctx, `SELECT platform_id, count(*) FROM customers WHERE state <> 'deleted' GROUP BY platform_id`)
	out := map[int64]int{}
	var id int64
	var n int
	_, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = n; return nil })
	return out, wrap(err, "customers per platform")
}
