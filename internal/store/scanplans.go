package store

import (
	"reflect"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// builtinTypes is pgx's map of PostgreSQL's built-in types, which every connection's map starts with (the portal
// registers no types of its own on its connections). Only read here: TypeForOID.
var builtinTypes = pgtype.NewMap()

// planKey is what a scan plan depends on: the column's type and wire format, and the destination's Go type.
type planKey struct {
	oid    uint32
	format int16
	dest   reflect.Type
}

// scanPlans memoizes pgx's scan plans for built-in column types across statements. pgx plans every column of every
// statement it scans afresh (it keeps plans only for the rows of one statement), which for the session row's 60
// and more columns was a tenth of a signed-in request's allocations. A plan for a built-in type is the same on every
// connection and holds no state while it scans, so one per key serves all; other types (enums, or types a
// connection may have registered) are planned per statement, as pgx does. Plans are made with the connection's own
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
	if _, builtin := builtinTypes.TypeForOID(fd.DataTypeOID); !builtin {
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
