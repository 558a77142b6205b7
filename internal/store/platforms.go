package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Platform is an ISPConfig installation that customers live on.
type Platform struct {
	ID           int64
	Name         string
	Endpoint     string
	WebServerID  int64
	MailServerID int64
}

// Platforms reads and writes the platforms table.
type Platforms struct{ db DBTX }

// NewPlatforms returns the platforms table over db.
func NewPlatforms(db DBTX) Platforms { return Platforms{db: db} }

// Ensure creates or updates the platform called name and returns it; the configured platform is synced at start.
func (s Platforms) Ensure(ctx context.Context, p Platform) (Platform, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO platforms (name, endpoint, web_server_id, mail_server_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET endpoint = $2, web_server_id = $3, mail_server_id = $4
		RETURNING id, name, endpoint, web_server_id, mail_server_id`, p.Name, p.Endpoint, p.WebServerID, p.MailServerID)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "ensure platform %q", p.Name)
}

// ByID returns a platform.
func (s Platforms) ByID(ctx context.Context, id int64) (Platform, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, name, endpoint, web_server_id, mail_server_id FROM platforms WHERE id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[Platform])
	return out, wrap(err, "platform %d", id)
}
