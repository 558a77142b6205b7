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
