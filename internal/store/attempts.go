package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Attempts counts events per scope, key and fixed time window in attempt_counts: the rate limits of sign-in and
// the public mailbox page, and the counts of failed or refused unauthenticated attempts (instead of one audit row
// each). Every replica shares them, because they live in Postgres.
type Attempts struct{ db DBTX }

// NewAttempts returns the attempt counters over db.
func NewAttempts(db DBTX) Attempts { return Attempts{db: db} }

// Hit counts one event for scope and key in the window of length win that contains now, in one statement, and
// returns the window's count including this one.
func (a Attempts) Hit(ctx context.Context, scope, key string, win time.Duration, now time.Time) (int, error) {
	secs := max(int64(win/time.Second), 1)
	start := time.Unix(now.Unix()/secs*secs, 0)
	var n int
	err := a.db.QueryRow(ctx, `
		INSERT INTO attempt_counts (scope, key, window_start, window_secs, count) VALUES ($1, $2, $3, $4, 1)
		ON CONFLICT (scope, key, window_start) DO UPDATE SET count = attempt_counts.count + 1
		RETURNING count`, scope, key, start, secs).Scan(&n)
	return n, wrap(err, "count attempt %s", scope)
}

// Rate counts one event for scope and key like Hit and returns the sliding-window estimate of events in the last
// win: this window's count plus the previous window's weighted by how much of it still lies within win. Unlike a
// bare fixed window it neither allows a double burst across a window boundary nor forgets everything at one.
func (a Attempts) Rate(ctx context.Context, scope, key string, win time.Duration, now time.Time) (float64, error) {
	secs := max(int64(win/time.Second), 1)
	start := time.Unix(now.Unix()/secs*secs, 0)
	prevStart := start.Add(-time.Duration(secs) * time.Second)
	var cur, prev int
	err := a.db.QueryRow(ctx, `
		WITH hit AS (
			INSERT INTO attempt_counts (scope, key, window_start, window_secs, count) VALUES ($1, $2, $3, $4, 1)
			ON CONFLICT (scope, key, window_start) DO UPDATE SET count = attempt_counts.count + 1
			RETURNING count)
		SELECT hit.count, coalesce((SELECT count FROM attempt_counts WHERE scope = $1 AND key = $2 AND window_start = $5), 0)
		FROM hit`, scope, key, start, secs, prevStart).Scan(&cur, &prev)
	if err != nil {
		return 0, wrap(err, "count attempt %s", scope)
	}
	elapsed := now.Sub(start).Seconds() / float64(secs)
	return float64(cur) + float64(prev)*(1-min(max(elapsed, 0), 1)), nil
}

// Prune deletes windows that ended before now-retention and lockouts that ended and were last touched before it.
// It returns how many rows went.
func (a Attempts) Prune(ctx context.Context, retention time.Duration, now time.Time) (int64, error) {
	cut := now.Add(-retention)
	t1, err := a.db.Exec(ctx, `DELETE FROM attempt_counts WHERE window_start + window_secs * interval '1 second' < $1`, cut)
	if err != nil {
		return 0, wrap(err, "prune attempt counts")
	}
	t2, err := a.db.Exec(ctx, `DELETE FROM lockouts WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)`, cut)
	if err != nil {
		return 0, wrap(err, "prune lockouts")
	}
	return t1.RowsAffected() + t2.RowsAffected(), nil
}

// AttemptKey turns a typed identifier (an email that may not belong to anybody) into a key that can be stored:
// a SHA-256 prefix, so the table never holds what a stranger typed.
func AttemptKey(typed string) string {
	sum := sha256.Sum256([]byte(typed))
	return "sha256:" + hex.EncodeToString(sum[:12])
}

// Lockouts locks keys of a scope (a mailbox address on the public page) after repeated failures. Begin charges
// an attempt before the password is compared, in one statement, so concurrent attempts can't all slip under the
// limit; Fail locks once the charged failures reach the maximum; Succeed clears them.
type Lockouts struct{ db DBTX }

// NewLockouts returns the lockouts over db.
func NewLockouts(db DBTX) Lockouts { return Lockouts{db: db} }

// Begin charges one attempt for scope and key at now and reports whether it may be tried (not locked, and at most
// max attempts charged since the last success or lock), with the number charged.
func (l Lockouts) Begin(ctx context.Context, scope, key string, maxFailures int, now time.Time) (bool, int, error) {
	var n int
	var until *time.Time
	err := l.db.QueryRow(ctx, `
		INSERT INTO lockouts AS l (scope, key, failures, updated_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (scope, key) DO UPDATE SET
			failures     = CASE WHEN l.locked_until > $3 THEN l.failures
			                    WHEN l.locked_until IS NOT NULL THEN 1
			                    ELSE l.failures + 1 END,
			locked_until = CASE WHEN l.locked_until > $3 THEN l.locked_until END,
			updated_at   = $3
		RETURNING failures, locked_until`, scope, key, now).Scan(&n, &until)
	if err != nil {
		return false, 0, wrap(err, "lockout begin %s", scope)
	}
	return (until == nil || !now.Before(*until)) && n <= maxFailures, n, nil
}

// Fail records that the attempt failed: once maxFailures are charged, the key is locked until now+lockFor. It
// reports whether this failure locked it.
func (l Lockouts) Fail(ctx context.Context, scope, key string, maxFailures int, lockFor time.Duration, now time.Time) (bool, error) {
	tag, err := l.db.Exec(ctx, `
		UPDATE lockouts SET locked_until = $4::timestamptz + $5 * interval '1 microsecond', failures = 0, updated_at = $4
		WHERE scope = $1 AND key = $2 AND failures >= $3 AND (locked_until IS NULL OR locked_until <= $4)`,
		scope, key, maxFailures, now, lockFor.Microseconds())
	if err != nil {
		return false, wrap(err, "lockout fail %s", scope)
	}
	return tag.RowsAffected() > 0, nil
}

// Succeed clears the charged attempts of key.
func (l Lockouts) Succeed(ctx context.Context, scope, key string) error {
	_, err := l.db.Exec(ctx, `DELETE FROM lockouts WHERE scope = $1 AND key = $2`, scope, key)
	return wrap(err, "lockout succeed %s", scope)
}
