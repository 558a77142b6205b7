// Package store reads and writes the portal's Postgres tables. Every query that returns an object a user asked for
// carries the ownership condition in its WHERE clause.
package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
	// ErrBadKey means a list page's key does not read as the list's sort value (a link edited by hand).
	ErrBadKey = errors.New("store: invalid page key")
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

// newestFirst builds a keyset-paginated list query, newest id first: conditions are ANDed, Before keeps ids below
// it, and one row more than the page is asked for, so collect can tell whether more follow.
type newestFirst struct {
	where []string
	args  []any
	limit int
}

// newNewestFirst starts a list of at most limit rows (1 to 200; otherwise 50) with ids below before (0: any).
func newNewestFirst(limit int, before int64) *newestFirst {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := &newestFirst{limit: limit}
	if before > 0 {
		q.add("id < " + q.arg(before))
	}
	return q
}

// arg adds a parameter and returns its placeholder.
func (q *newestFirst) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

func (q *newestFirst) add(cond string) { q.where = append(q.where, cond) }

// query runs selectFrom ("SELECT … FROM table") with the conditions, the order and the limit.
func (q *newestFirst) query(ctx context.Context, db DBTX, selectFrom string) (pgx.Rows, error) {
	if len(q.where) > 0 {
		selectFrom += " WHERE " + strings.Join(q.where, " AND ")
	}
	selectFrom += " ORDER BY id DESC" + limitClause(q.limit+1)
	return db.Query(ctx, selectFrom, q.args...)
}

// page cuts the extra row off and reports whether there was one.
func page[T any](q *newestFirst, list []T) ([]T, bool) {
	if len(list) > q.limit {
		return list[:q.limit], true
	}
	return list, false
}
