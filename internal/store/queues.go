package store

import (
	"context"
	"time"
)

// The applying state. ISPConfig answers a write at once but its servers apply the change later, from a job queue
// (the datalog) a daemon works through about once a minute. monitor_jobqueue_count tells how many changes a
// server has not applied yet — a count, not a position: it never says which change is at the head, and new
// changes (anyone's, not only the portal's) join while old ones leave. So the one sound conclusion from it is:
// a change written before a moment when the server's queue was empty has been applied.
//
// The scheme: every write the portal confirms records its time (object_writes.written_at, taken after ISPConfig
// answered, so it is not earlier than the change itself). A periodic job reads each server's queue once (one call
// per server per interval, never per page view) and records when the read was sent (observed_at) and, when the
// queue was empty, that same moment as empty_at. An object is applying while its last write is later than its
// server's empty_at, and applied once a read sent after the write found the queue empty. Both times come from
// Postgres's clock. When the queue can't be read (the permission is missing, or the platform doesn't answer),
// error says why and pages fall back to the sentence about the delay, saying nothing they can't know.
//
// A queue that never empties keeps objects applying: the honest answer when the count can't show progress.

// ApplyApplying and ApplyApplied are the applying states of an object; "" means the queue can't be read.
const (
	ApplyApplying = "applying"
	ApplyApplied  = "applied"
)

// applySQL is the applying state of an object of kind (its id and its customer's id as SQL expressions of the
// outer query) on its platform's server column serverCol ("web_server_id" or "mail_server_id").
func applySQL(kind Kind, serverCol, objID, customerID string) string {
	return `coalesce((SELECT CASE WHEN q.error <> '' OR q.observed_at IS NULL THEN ''
			WHEN w.written_at IS NULL OR q.empty_at >= w.written_at THEN '` + ApplyApplied + `' ELSE '` + ApplyApplying + `' END
		FROM customers ac JOIN platforms p ON p.id = ac.platform_id
		JOIN server_queues q ON q.platform_id = p.id AND q.server_id = p.` + serverCol + `
		LEFT JOIN object_writes w ON w.kind = '` + string(kind) + `' AND w.object_id = ` + objID + `
		WHERE ac.id = ` + customerID + `), '')`
}

// Queues records what the servers' job queues were seen holding.
type Queues struct{ db DBTX }

// NewQueues returns the queue records over db.
func NewQueues(db DBTX) Queues { return Queues{db: db} }

// Now is the database's clock, read before a queue is asked: the moment the answer is at least as new as.
func (s Queues) Now(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&t)
	return t, wrap(err, "clock")
}

// Observed records that server serverID of a platform had pending changes queued, read at sentAt.
func (s Queues) Observed(ctx context.Context, platformID, serverID int64, sentAt time.Time, pending int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO server_queues (platform_id, server_id, observed_at, pending, empty_at, error)
		VALUES ($1, $2, $3, $4, CASE WHEN $4 = 0 THEN $3::timestamptz END, '')
		ON CONFLICT (platform_id, server_id) DO UPDATE SET observed_at = EXCLUDED.observed_at, pending = EXCLUDED.pending,
			empty_at = CASE WHEN EXCLUDED.pending = 0 THEN greatest(EXCLUDED.observed_at, server_queues.empty_at) ELSE server_queues.empty_at END,
			error = ''`, platformID, serverID, sentAt, pending)
	return wrap(err, "queue of server %d", serverID)
}

// Unreadable records that a server's queue could not be read, and why ("permission", "unavailable").
func (s Queues) Unreadable(ctx context.Context, platformID, serverID int64, reason string) error {
	_, err := s.db.Exec(ctx, `INSERT INTO server_queues (platform_id, server_id, error) VALUES ($1, $2, $3)
		ON CONFLICT (platform_id, server_id) DO UPDATE SET error = EXCLUDED.error`, platformID, serverID, reason)
	return wrap(err, "queue of server %d", serverID)
}

// QueueState is what is known about one server's queue.
type QueueState struct {
	ServerID   int64
	ObservedAt *time.Time
	Pending    *int64
	EmptyAt    *time.Time
	Error      string
}

// Readable reports whether the queue of a platform's server has been read and can be (the last read worked).
func (s Queues) Readable(ctx context.Context, platformID, serverID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM server_queues WHERE platform_id = $1 AND server_id = $2
		AND error = '' AND observed_at IS NOT NULL)`, platformID, serverID).Scan(&ok)
	return ok, wrap(err, "queue of server %d", serverID)
}

// Written records that a change of an object was just confirmed by ISPConfig: it is applying until its server's
// queue is seen empty after now.
func (s Objects) Written(ctx context.Context, kind Kind, id int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO object_writes (kind, object_id, written_at) VALUES ($1, $2, clock_timestamp())
		ON CONFLICT (kind, object_id) DO UPDATE SET written_at = EXCLUDED.written_at`, kind, id)
	return wrap(err, "%s %d written", kind, id)
}
