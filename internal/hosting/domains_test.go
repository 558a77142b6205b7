package hosting_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
	"portal/internal/testenv"
)

// Moving a domain-limit entry changes two customers, so it waits for both customers' locks: a suspension or another
// write of the current owner can't run while the entry leaves it.
func TestMoveDomain_WaitsForTheSourcesLockAndMovesEverything(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	from := e.Customer(store.RoleClient, &r, "from@example.test")
	to := e.Customer(store.RoleClient, &r, "to@example.test")
	id, err := e.Host.CreateDomain(ctx, e.As(r), fmt.Sprint(from.ID), "moving.example.test")
	if err != nil {
		t.Fatal(err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free) // a failing test must not leave the lock held
	go func() {
		_ = e.Ten.Locked(ctx, from.ID, func(*pgxpool.Conn) error { close(held); <-release; return nil })
	}()
	<-held
	done := make(chan error, 1)
	go func() { done <- e.Host.MoveDomain(ctx, e.As(r), id, fmt.Sprint(to.ID)) }()
	// The move waits on an advisory lock while the source's is held.
	for e.Count(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the move finished while the source's lock was held: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if got := e.Count(`SELECT customer_id FROM domains WHERE id = $1`, id); int64(got) != from.ID {
		t.Fatalf("the entry moved to %d before the source's lock was free", got)
	}
	free()
	if err := <-done; err != nil {
		t.Fatalf("move: %v", err)
	}
	d, err := store.NewDomains(e.Pool).ByID(ctx, id)
	if err != nil || d.CustomerID != to.ID || d.State != store.StateActive {
		t.Fatalf("after the move: %+v, %v", d, err)
	}
	if n := e.Count(`SELECT count(*) FROM domain_claims WHERE name = 'moving.example.test' AND customer_id = $1`, to.ID); n != 1 {
		t.Fatalf("the new owner's claims on the name: %d", n)
	}
	toGroup, err := e.ISP.ClientGroupID(ctx, *e.Reload(to).ISPClientID)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Sim.Row("domain", int(*d.ISPID))["sys_groupid"]; got != fmt.Sprint(toGroup) {
		t.Fatalf("ISPConfig's entry is in group %s, want the new owner's %d", got, toGroup)
	}
}
