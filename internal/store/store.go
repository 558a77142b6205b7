// Package store reads and writes the portal's Postgres tables. Every query that returns an object a user asked for
// carries the ownership condition in its WHERE clause.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DBTX is what the store needs from a database handle; *pgxpool.Pool and pgx.Tx both satisfy it.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	// ErrNotFound means the row does not exist or the caller may not see it; the two are never told apart.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique constraint refused the write.
	ErrConflict = errors.New("store: conflict")
	// ErrInUse means other rows still refer to the one being deleted.
	ErrInUse = errors.New("store: in use")
)

// wrap turns pgx's sentinel conditions into the store's and adds what was being done.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return fmt.Errorf("store: "+format+": %w", append(args, ErrConflict)...)
	}
	return fmt.Errorf("store: "+format+": %w", append(args, err)...)
}

func isFKViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503"
}

// CountCap is the most matches a list counts exactly; lists report CountCap+1 for "more". Capping keeps a list
// page's cost flat however many rows match; past the cap a page asks for a narrower search.
const CountCap = 1000

// InstallationID returns this portal database's id, making it on first use (not in a migration: a database cloned
// from a migrated template must not share it). Two first uses at once: the one that loses the insert may not see
// the winner's row in its statement's snapshot, so it asks once more.
func InstallationID(ctx context.Context, db DBTX) (string, error) {
	var id string
	var err error
	for range 2 {
		if err = db.QueryRow(ctx, `WITH made AS (INSERT INTO installation DEFAULT VALUES ON CONFLICT (singleton) DO NOTHING RETURNING id)
			SELECT id FROM made UNION ALL SELECT id FROM installation LIMIT 1`).Scan(&id); err == nil {
			return id, nil
		}
	}
	return "", wrap(err, "installation id")
}
