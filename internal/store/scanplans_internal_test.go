package store

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// An array's scan plan keeps the type map of the connection that planned it, so it must not be shared: only scalar
// types' plans are memoized.
func TestMemoPlan_SharesOnlyScalars(t *testing.T) {
	m := pgtype.NewMap()
	var ints []int32
	var n int64
	memoPlan(m, pgconn.FieldDescription{DataTypeOID: pgtype.Int4ArrayOID, Format: pgtype.BinaryFormatCode}, &ints)
	memoPlan(m, pgconn.FieldDescription{DataTypeOID: pgtype.Int8OID, Format: pgtype.BinaryFormatCode}, &n)
	shared := map[uint32]bool{}
	scanPlans.Range(func(k, _ any) bool { shared[k.(planKey).oid] = true; return true })
	if shared[pgtype.Int4ArrayOID] || !shared[pgtype.Int8OID] {
		t.Fatalf("shared plans for %v; want int8's and not int4[]'s", shared)
	}
}

// A statement read into different parts of its row (the session's, with and without a customer) ends with one plan
// set for all of them, and a destination of another type does not fit it.
func TestPlanSet_KeepsPlansOfColumnsLeftUnscanned(t *testing.T) {
	m := pgtype.NewMap()
	fds := []pgconn.FieldDescription{{DataTypeOID: pgtype.Int8OID, Format: pgtype.BinaryFormatCode},
		{DataTypeOID: pgtype.TextOID, Format: pgtype.BinaryFormatCode}}
	var n int64
	var s string
	first := newPlanSet(m, fds, []any{&n, nil}, nil)
	if first.fits(fds, []any{&n, &s}) {
		t.Fatal("a set planned without the text column fits a read of it")
	}
	both := newPlanSet(m, fds, []any{nil, &s}, first)
	for _, dest := range [][]any{{&n, &s}, {&n, nil}, {nil, &s}, {nil, nil}} {
		if !both.fits(fds, dest) {
			t.Fatalf("the merged set does not fit %v", dest)
		}
	}
	if both.fits(fds, []any{&s, &s}) {
		t.Fatal("a string destination fits the int8 column's plan")
	}
	if err := both.plans[0].Scan([]byte{0, 0, 0, 0, 0, 0, 0, 42}, &n); err != nil || n != 42 {
		t.Fatalf("kept plan scanned %d (%v), want 42", n, err)
	}
}
