package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Backlogs is the work waiting on the portal's background jobs, for monitoring: a figure that keeps growing means
// that its job stopped.
type Backlogs struct {
	// InvoiceSumChanges: changes to the invoice sums not folded in yet (billing's fold job, every minute). Reads
	// add them up, so invoice lists and dashboards slow down as they grow.
	InvoiceSumChanges int64
	// OutboxWaiting: emails queued or waiting for a retry; OutboxOldest the seconds since the one of them touched
	// longest ago was queued, tried or sent again (0 with none), which grows only while nothing delivers;
	// OutboxFailed: emails given up on, until an admin sends them again. Emails held (sending is off) are in none.
	OutboxWaiting int64
	OutboxOldest  float64
	OutboxFailed  int64
}

// ReadBacklogs reads the backlogs in one statement.
func ReadBacklogs(ctx context.Context, db DBTX) (Backlogs, error) {
	var b Backlogs
	err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM invoice_sum_changes),
		count(*) FILTER (WHERE state IN ('queued', 'retrying')),
		coalesce(extract(epoch FROM now() - min(updated_at) FILTER (WHERE state IN ('queued', 'retrying'))), 0)::float8,
		count(*) FILTER (WHERE state = 'failed')
		FROM outbox WHERE state <> 'sent'`).Scan(&b.InvoiceSumChanges, &b.OutboxWaiting, &b.OutboxOldest, &b.OutboxFailed)
	return b, wrap(err, "backlogs")
}

// optionalIndexes are indexes a migration creates only where the database allows it (customers_search_idx needs
// pg_trgm: migration 00026). Without them the portal works, slower.
var optionalIndexes = []string{"customers_search_idx"}

// MissingIndexes names the optional indexes the database lacks, for a warning at start.
func MissingIndexes(ctx context.Context, db DBTX) ([]string, error) {
	rows, _ := db.Query(ctx, `SELECT n FROM unnest($1::text[]) n WHERE to_regclass(n) IS NULL`, optionalIndexes)
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return missing, wrap(err, "missing indexes")
}
