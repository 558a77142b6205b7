package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
)

// Drift problems.
const (
	DriftMissingUpstream = "missing_upstream" // we have it, ISPConfig does not
	DriftMissingLocally  = "missing_locally"  // ISPConfig has it under one of our clients, we don't
	DriftChanged         = "changed"          // both have it, with different values
)

// DriftItem is one difference between the portal's records and ISPConfig.
type DriftItem struct {
	ID         int64
	PlatformID int64
	CustomerID *int64
	Kind       Kind
	OurID      *int64
	ISPID      *int64
	Problem    string
	Detail     string
	Upstream   map[string]string // ISPConfig's values, for adopting
	FoundAt    time.Time
	Resolution *string

	CustomerName string
	PlatformName string
}

// Drift reads and writes drift items.
type Drift struct{ db DBTX }

// NewDrift returns the drift table over db.
func NewDrift(db DBTX) Drift { return Drift{db: db} }

// Report records a difference, or refreshes the open item for it, and returns its id; it returns 0 when the same
// difference was forgotten by an admin.
func (s Drift) Report(ctx context.Context, d DriftItem) (int64, error) {
	up, err := json.Marshal(d.Upstream)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.QueryRow(ctx, `
		INSERT INTO drift_items (platform_id, customer_id, kind, our_id, isp_id, problem, detail, upstream)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (platform_id, kind, coalesce(our_id, 0), coalesce(isp_id, 0), problem)
			WHERE resolution IS NULL OR resolution = 'forgotten'
		DO UPDATE SET detail = EXCLUDED.detail, upstream = EXCLUDED.upstream WHERE drift_items.resolution IS NULL
		RETURNING id`,
		d.PlatformID, d.CustomerID, d.Kind, d.OurID, d.ISPID, d.Problem, d.Detail, up).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	return id, wrap(err, "report drift")
}

// CloseGone resolves the open items of a platform that the latest check did not report again.
func (s Drift) CloseGone(ctx context.Context, platformID int64, seen []int64) error {
	_, err := s.db.Exec(ctx, `UPDATE drift_items SET resolved_at = now(), resolution = 'gone'
		WHERE platform_id = $1 AND resolved_at IS NULL AND NOT (id = ANY($2))`, platformID, seen)
	return wrap(err, "close gone drift")
}

const driftCols = `d.id, d.platform_id, d.customer_id, d.kind, d.our_id, d.isp_id, d.problem, d.detail, d.upstream,
	d.found_at, d.resolution, coalesce(c.name, ''), coalesce(pl.name, '')`

func scanDrift(row pgx.CollectableRow) (DriftItem, error) {
	var d DriftItem
	var up []byte
	err := row.Scan(&d.ID, &d.PlatformID, &d.CustomerID, &d.Kind, &d.OurID, &d.ISPID, &d.Problem, &d.Detail, &up,
		&d.FoundAt, &d.Resolution, &d.CustomerName, &d.PlatformName)
	if err == nil {
		err = json.Unmarshal(up, &d.Upstream)
	}
	return d, err
}

// Open lists unresolved items, newest first.
func (s Drift) Open(ctx context.Context, limit int) ([]DriftItem, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+driftCols+` FROM drift_items d LEFT JOIN customers c ON c.id = d.customer_id
		LEFT JOIN platforms pl ON pl.id = d.platform_id
		WHERE d.resolved_at IS NULL ORDER BY d.found_at DESC, d.id DESC`+limitClause(limit))
	list, err := pgx.CollectRows(rows, scanDrift)
	return list, wrap(err, "open drift")
}

// ByID returns one item (admins only reach it, through Resolve).
func (s Drift) ByID(ctx context.Context, id int64) (DriftItem, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+driftCols+` FROM drift_items d LEFT JOIN customers c ON c.id = d.customer_id
		LEFT JOIN platforms pl ON pl.id = d.platform_id
		WHERE d.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, scanDrift)
	return d, wrap(err, "drift %d", id)
}

// Resolve closes an open item as adopted or forgotten.
func (s Drift) Resolve(ctx context.Context, id int64, resolution string) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE drift_items SET resolved_at = now(), resolution = $2 WHERE id = $1 AND resolved_at IS NULL`, id, resolution)
	return tag.RowsAffected() == 1, wrap(err, "resolve drift %d", id)
}
