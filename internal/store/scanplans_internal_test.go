package store

import (
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// An array's scan plan keeps the type map of the connection that planned it, so it must not be shared: a statement's
// plan set holds only its scalar columns' plans, and a plan that fails is not shared either.
func TestPlanSet_SharesOnlyScalars(t *testing.T) {
	m := pgtype.NewMap()
	var ints []int32
	var n int64
	var wrong struct{}
	fds := []pgconn.FieldDescription{{DataTypeOID: pgtype.Int4ArrayOID, Format: pgtype.BinaryFormatCode},
		{DataTypeOID: pgtype.Int8OID, Format: pgtype.BinaryFormatCode}, {DataTypeOID: pgtype.TextOID, Format: pgtype.BinaryFormatCode}}
	set := newPlanSet(m, fds, []any{&ints, &n, &wrong}, nil)
	if set.plans[0] != nil || set.plans[1] == nil {
		t.Fatalf("plan set shares %v; want int8's plan and not int4[]'s", set.plans)
	}
	for _, c := range []struct {
		oid  uint32
		dest any
		want bool
	}{{pgtype.Int4ArrayOID, &ints, false}, {pgtype.Int8OID, &n, true}, {pgtype.TextOID, &wrong, false}} {
		if _, ok := scanPlans.Load(planKey{c.oid, pgtype.BinaryFormatCode, reflect.TypeOf(c.dest)}); ok != c.want {
			t.Errorf("plan for oid %d into %T shared: %v, want %v", c.oid, c.dest, ok, c.want)
		}
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
