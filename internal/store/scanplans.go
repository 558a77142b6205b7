package store

import (
	"reflect"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// scalarTypes are the column types whose scan plans are shared: PostgreSQL's built-in scalars, whose plans read
// only their bytes. Arrays, ranges, composites and enums are left to pgx's per-statement planning: an array's plan
// keeps the connection's type map and plans its elements through it while it scans, which must not happen on another
// connection's goroutine.
var scalarTypes = map[uint32]bool{
	pgtype.BoolOID: true, pgtype.Int2OID: true, pgtype.Int4OID: true, pgtype.Int8OID: true,
	pgtype.Float4OID: true, pgtype.Float8OID: true, pgtype.NumericOID: true,
	pgtype.TextOID: true, pgtype.VarcharOID: true, pgtype.BPCharOID: true, pgtype.NameOID: true, pgtype.ByteaOID: true,
	pgtype.DateOID: true, pgtype.TimestampOID: true, pgtype.TimestamptzOID: true, pgtype.IntervalOID: true,
	pgtype.UUIDOID: true, pgtype.JSONOID: true, pgtype.JSONBOID: true, pgtype.InetOID: true,
}

// planKey is what a scan plan depends on: the column's type and wire format, and the destination's Go type.
type planKey struct {
	oid    uint32
	format int16
	dest   reflect.Type
}

// scanPlans memoizes pgx's scan plans for built-in scalar column types across statements. pgx plans every column of every
// statement it scans afresh (it keeps plans only for the rows of one statement), which for the session row's 60
// and more columns was a tenth of a signed-in request's allocations. A plan for a built-in type is the same on every
// connection and holds no state while it scans, so one per key serves all; other types (arrays, enums, or types
// a connection may have registered) are planned per statement, as pgx does. Plans are made with the connection's own
// map, which only this goroutine uses while it holds the rows.
var scanPlans sync.Map // planKey → pgtype.ScanPlan

// scanRow scans the current row of rows into dest like rows.Scan, with memoized plans; nil destinations skip their
// column.
func scanRow(rows pgx.Rows, dest []any) error {
	conn := rows.Conn()
	fds := rows.FieldDescriptions()
	if conn == nil || len(fds) != len(dest) {
		return rows.Scan(dest...)
	}
	values := rows.RawValues()
	for i, d := range dest {
		if d == nil {
			continue
		}
		if err := memoPlan(conn.TypeMap(), fds[i], d).Scan(values[i], d); err != nil {
			return pgx.ScanArgError{ColumnIndex: i, FieldName: fds[i].Name, Err: err}
		}
	}
	return nil
}

// memoPlan is the plan for scanning column fd into d.
func memoPlan(m *pgtype.Map, fd pgconn.FieldDescription, d any) pgtype.ScanPlan {
	if !scalarTypes[fd.DataTypeOID] {
		return m.PlanScan(fd.DataTypeOID, fd.Format, d)
	}
	key := planKey{fd.DataTypeOID, fd.Format, reflect.TypeOf(d)}
	if p, ok := scanPlans.Load(key); ok {
		return p.(pgtype.ScanPlan)
	}
	p := m.PlanScan(fd.DataTypeOID, fd.Format, d)
	scanPlans.Store(key, p)
	return p
}
