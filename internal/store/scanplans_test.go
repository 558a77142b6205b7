package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"portal/internal/store"
)

// Scan plans are shared by every connection and goroutine (store/scanplans.go): lists read at once over several
// connections (the race detector watching, under make test) scan exactly what one read alone does, NULLs included.
func TestScanPlans_SharedAcrossConnections(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	var client int64
	if err := pool.QueryRow(ctx, `INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
		SELECT 'client', platforms.id, plans.id, 'Client', 'c@x.test', 'c', 'active' FROM platforms, plans RETURNING id`).Scan(&client); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO sites (customer_id, isp_id, domain, state, quota_mb, traffic_mb)
		SELECT (SELECT id FROM customers), CASE WHEN g % 3 = 0 THEN NULL ELSE g END, 'site' || g || '.test', 'active', 100 + g, -1
		FROM generate_series(1, 30) g`)
	scope := store.Scope{Role: store.RoleClient, CustomerID: client}
	f := store.ListFilter{PerPage: 100}
	want, _, err := store.NewSites(pool).List(ctx, scope, f)
	if err != nil {
		t.Fatal(err)
	}
	nulls := 0
	for _, s := range want {
		if s.ISPID == nil {
			nulls++
		}
	}
	if len(want) != 30 || nulls != 10 {
		t.Fatalf("%d sites, %d without ISPConfig id; want 30 and 10", len(want), nulls)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				got, _, err := store.NewSites(pool).List(ctx, scope, f)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("a concurrent read scanned %+v, want %+v", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
