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

// stmtPlans keeps, for each statement's SQL, the plans its last result was scanned with (a *planSet): one lookup
// per result instead of one per column and row. A set is only read once stored; a result whose columns or
// destinations differ from its statement's set (a schema change, another caller's destinations) plans afresh and
// replaces it.
var stmtPlans sync.Map // string → *planSet

// planSet is how one statement's columns scan: per column its type, wire format, destination type, and the plan,
// nil for a column left unscanned or of a type whose plan must not be shared (planned per result instead).
type planSet struct {
	oids    []uint32
	formats []int16
	dests   []reflect.Type
	plans   []pgtype.ScanPlan
}

// rowScanner scans the rows of one result of sql like rows.Scan, with the statement's shared plans; nil
// destinations skip their column. Plans of unshared types are made on its first row and kept for the others, as
// pgx does for the rows of one statement.
type rowScanner struct {
	sql   string
	set   *planSet
	local []pgtype.ScanPlan // this result's plans of unshared types
}

func scanner(sql string) rowScanner {
	set, _ := stmtPlans.Load(sql)
	s, _ := set.(*planSet)
	return rowScanner{sql: sql, set: s}
}

// scan scans the current row of rows into dest.
func (s *rowScanner) scan(rows pgx.Rows, dest []any) error {
	conn := rows.Conn()
	fds := rows.FieldDescriptions()
	if conn == nil || len(fds) != len(dest) {
		return rows.Scan(dest...)
	}
	if !s.set.fits(fds, dest) {
		s.set = newPlanSet(conn.TypeMap(), fds, dest, s.set)
		s.local = nil
		stmtPlans.Store(s.sql, s.set)
	}
	values := rows.RawValues()
	for i, d := range dest {
		if d == nil {
			continue
		}
		p := s.set.plans[i]
		if p == nil {
			if s.local == nil {
				s.local = make([]pgtype.ScanPlan, len(dest))
			}
			if s.local[i] == nil {
				s.local[i] = conn.TypeMap().PlanScan(fds[i].DataTypeOID, fds[i].Format, d)
			}
			p = s.local[i]
		}
		if err := p.Scan(values[i], d); err != nil {
			return pgx.ScanArgError{ColumnIndex: i, FieldName: fds[i].Name, Err: err}
		}
	}
	return nil
}

// fits reports whether set was made for these columns and destinations; a column left unscanned fits any.
func (set *planSet) fits(fds []pgconn.FieldDescription, dest []any) bool {
	if set == nil || len(set.plans) != len(dest) {
		return false
	}
	for i, d := range dest {
		if fds[i].DataTypeOID != set.oids[i] || fds[i].Format != set.formats[i] || d != nil && reflect.TypeOf(d) != set.dests[i] {
			return false
		}
	}
	return true
}

// newPlanSet plans these columns into these destinations. A column left unscanned keeps old's plan for it, if old
// was made for the same columns: a statement read into different parts of its row (the session's, with or without
// a customer) ends with one set serving all of them.
func newPlanSet(m *pgtype.Map, fds []pgconn.FieldDescription, dest []any, old *planSet) *planSet {
	n := len(dest)
	set := &planSet{oids: make([]uint32, n), formats: make([]int16, n), dests: make([]reflect.Type, n), plans: make([]pgtype.ScanPlan, n)}
	keep := old != nil && len(old.plans) == n
	for i, d := range dest {
		set.oids[i], set.formats[i] = fds[i].DataTypeOID, fds[i].Format
		if d == nil {
			if keep && old.oids[i] == set.oids[i] && old.formats[i] == set.formats[i] {
				set.dests[i], set.plans[i] = old.dests[i], old.plans[i]
			}
			continue
		}
		set.dests[i] = reflect.TypeOf(d)
		if scalarTypes[fds[i].DataTypeOID] {
			set.plans[i] = memoPlan(m, fds[i], d)
		}
	}
	return set
}

// memoPlan is the plan for scanning a column of a scalar type into d, shared across statements and connections. A
// plan that fails (no way to scan this type into d) is not shared: it keeps its connection's type map.
func memoPlan(m *pgtype.Map, fd pgconn.FieldDescription, d any) pgtype.ScanPlan {
	key := planKey{fd.DataTypeOID, fd.Format, reflect.TypeOf(d)}
	if p, ok := scanPlans.Load(key); ok {
		return p.(pgtype.ScanPlan)
	}
	p := m.PlanScan(fd.DataTypeOID, fd.Format, d)
	if reflect.TypeOf(p).String() != "*pgtype.scanPlanFail" {
		scanPlans.Store(key, p)
	}
	return p
}
