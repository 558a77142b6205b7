package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// RateHit counts one event in bucket within tx unless limit events already happened in the last window; it reports
// whether the event was allowed. The counts live in Postgres, so every replica of the portal sees the same ones; a
// transaction-scoped advisory lock on the bucket makes concurrent hits count one after another.
func RateHit(ctx context.Context, tx pgx.Tx, bucket string, limit int, window time.Duration) (bool, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('rate:' || $1, 0))`, bucket); err != nil {
		return false, wrap(err, "rate lock")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rate_events WHERE bucket = $1 AND at <= now() - $2::interval`, bucket, window.String()); err != nil {
		return false, wrap(err, "rate expire")
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM rate_events WHERE bucket = $1`, bucket).Scan(&n); err != nil {
		return false, wrap(err, "rate count")
	}
	if n >= limit {
		return false, nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO rate_events (bucket) VALUES ($1)`, bucket)
	return err == nil, wrap(err, "rate hit")
}
