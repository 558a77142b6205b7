package tenancy_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"portal/internal/store"
	"portal/internal/testenv"
)

// TestChangePlan_HookOrderAndCompensation: the plan-change hook (billing's proration) is asked before ISPConfig: a
// refusal leaves ISPConfig's limits and the plan as they were; when recording fails after ISPConfig took the new
// limits, the old plan's limits are written back; an accepted change records the plan and the hook's work once.
func TestChangePlan_HookOrderAndCompensation(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	limits := func(sites int) store.Limits {
		l := testenv.Unlimited
		l.MaxSites = sites
		return l
	}
	p5 := e.Plan(nil, store.RoleClient, "Five", limits(5))
	p7 := e.Plan(nil, store.RoleClient, "Seven", limits(7))
	c := e.Customer(store.RoleClient, nil, "hook@example.test", p5)
	ispLimit := func() string {
		t.Helper()
		return e.Sim.Row("client", int(*e.Reload(c).ISPClientID))["limit_web_domain"]
	}
	if _, err := e.Pool.Exec(ctx, `CREATE TABLE hook_calls (n int)`); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var refuse, failRecording atomic.Bool
	e.Ten.PlanChange = func(ctx context.Context, tx pgx.Tx, id, oldPlan, newPlan int64) error {
		n := calls.Add(1)
		if refuse.Load() {
			return errors.New("billing refuses")
		}
		if failRecording.Load() && n%2 == 0 { // the check passes, the recording fails
			return errors.New("recording failed")
		}
		_, err := tx.Exec(ctx, `INSERT INTO hook_calls VALUES (1)`)
		return err
	}

	refuse.Store(true)
	if err := e.Ten.ChangePlan(ctx, c.ID, p7.ID); err == nil {
		t.Fatal("a refused hook let the change through")
	}
	if got := ispLimit(); got != "5" || e.Reload(c).PlanID != p5.ID {
		t.Fatalf("after the hook refused: ISPConfig limit %s, plan %d; want 5 and the old plan", got, e.Reload(c).PlanID)
	}
	refuse.Store(false)
	failRecording.Store(true)
	calls.Store(0)
	if err := e.Ten.ChangePlan(ctx, c.ID, p7.ID); err == nil {
		t.Fatal("a failed recording reported success")
	}
	if got := ispLimit(); got != "5" || e.Reload(c).PlanID != p5.ID {
		t.Fatalf("after the recording failed: ISPConfig limit %s, plan %d; want the old limits written back", got, e.Reload(c).PlanID)
	}
	failRecording.Store(false)
	if err := e.Ten.ChangePlan(ctx, c.ID, p7.ID); err != nil {
		t.Fatal(err)
	}
	if got := ispLimit(); got != "7" || e.Reload(c).PlanID != p7.ID {
		t.Fatalf("after an accepted change: ISPConfig limit %s, plan %d; want 7 and the new plan", got, e.Reload(c).PlanID)
	}
	// Only the accepted change's recording stays: the checks and the failed recording were rolled back.
	if n := e.Count(`SELECT count(*) FROM hook_calls`); n != 1 {
		t.Fatalf("%d hook effects stayed, want 1", n)
	}
}
