package tenancy_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
	"portal/internal/testenv"
)

func newSite(e *testenv.Env, c store.Customer, domain string) (int64, error) {
	return e.Host.CreateSite(context.Background(), e.As(c), hosting.NewSite{Domain: domain, Active: true,
		SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}})
}

func status(err error) int {
	if fe, ok := fail.As(err); ok {
		return fe.Status
	}
	return 0
}

// TestSuspension_OnlyTheImposingLevelOrHigherLifts: a reseller can't lift (or replace) an admin's suspension of
// its client; the admin can; a reseller's own suspension can be lifted by the reseller and by an admin.
func TestSuspension_OnlyTheImposingLevelOrHigherLifts(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")

	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if got := e.Reload(c); got.SuspendedBy != store.SuspendedByAdmin || got.Suspension != store.SuspensionSuspended {
		t.Fatalf("after an admin's suspension: by %q progress %q", got.SuspendedBy, got.Suspension)
	}
	err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByReseller)
	if status(err) != http.StatusForbidden {
		t.Fatalf("reseller lifting an admin's suspension: %v, want 403", err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByReseller); status(err) != http.StatusForbidden {
		t.Fatalf("reseller replacing an admin's suspension with its own: %v, want 403", err)
	}
	if got := e.Reload(c); !got.SuspendedSelf || got.SuspendedBy != store.SuspendedByAdmin {
		t.Fatalf("after the refused attempts: self %v by %q, want the admin's suspension unchanged", got.SuspendedSelf, got.SuspendedBy)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByBilling); status(err) != http.StatusForbidden {
		t.Fatalf("billing lifting an admin's suspension: %v, want 403", err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatalf("admin lifting its own suspension: %v", err)
	}
	// A reseller's suspension: the reseller lifts it, and so could an admin.
	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByReseller); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByReseller); err != nil {
		t.Fatalf("reseller lifting its own suspension: %v", err)
	}
	if got := e.Reload(c); got.Suspended() || got.Suspension != store.SuspensionNone {
		t.Fatalf("after lifting: suspended %v progress %q", got.Suspended(), got.Suspension)
	}
}

// TestSuspension_SuspendedResellerChangesNothing: a suspended reseller can't take new clients, and neither it nor
// its clients (nor anyone acting as them) can create or change hosted objects; nothing reaches ISPConfig.
func TestSuspension_SuspendedResellerChangesNothing(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")
	site, err := newSite(e, c, "before.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, r.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	for _, a := range []store.Account{e.As(r).Effective, e.As(c).Effective} {
		if err := e.Ten.WritesAllowed(ctx, a); status(err) != http.StatusForbidden {
			t.Errorf("writes for %s under a suspended reseller: %v, want 403", a.Email, err)
		}
	}
	if err := e.Ten.WritesAllowed(ctx, e.Admin().Effective); err != nil {
		t.Errorf("the admin's own writes: %v", err)
	}
	e.Sim.ResetCalls()
	plan := e.Plan(&r, store.RoleClient, "p", testenv.Unlimited)
	_, err = e.Ten.Create(ctx, tenancyClient(e, r, plan, "new@example.test"))
	if status(err) != http.StatusForbidden {
		t.Errorf("client for a suspended reseller: %v, want 403", err)
	}
	// Even an admin acting on the client's objects is refused while its reseller is suspended.
	if _, err := e.Host.CreateSite(ctx, e.Admin(), hosting.NewSite{Customer: fmt.Sprint(c.ID), Domain: "after.test",
		SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}}); status(err) != http.StatusForbidden {
		t.Errorf("site for a client of a suspended reseller: %v, want 403", err)
	}
	if err := e.Host.SetSiteActive(ctx, e.Admin(), site, true); status(err) != http.StatusForbidden {
		t.Errorf("enabling a site of a client of a suspended reseller: %v, want 403", err)
	}
	if n := e.Sim.CallCount(); n != 0 {
		t.Errorf("%d ISPConfig calls, want 0", n)
	}
	if n := e.Count(`SELECT count(*) FROM customers WHERE email = 'new@example.test'`); n != 0 {
		t.Errorf("the refused client was recorded")
	}
}

// TestSuspension_RacesObjectWrites: suspending while creates and toggles run at the same moment always ends with
// every site of the client disabled in ISPConfig and remembered as it was, and unsuspending restores exactly that.
func TestSuspension_RacesObjectWrites(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	c := e.Customer(store.RoleClient, nil, "c@example.test")
	for round := range 4 {
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := newSite(e, c, fmt.Sprintf("r%d-s%d.test", round, i))
				if err != nil && status(err) != http.StatusForbidden {
					t.Errorf("create during suspension: %v", err)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByAdmin); err != nil {
				t.Errorf("suspend: %v", err)
			}
		}()
		wg.Wait()
		// Every site that exists is off in ISPConfig, with its earlier state kept.
		rows, err := e.Pool.Query(ctx, `SELECT isp_id, prev_active FROM sites WHERE customer_id = $1`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ispID *int64
			var prev *bool
			if err := rows.Scan(&ispID, &prev); err != nil {
				t.Fatal(err)
			}
			if ispID == nil || prev == nil || !*prev {
				t.Errorf("round %d: a site with isp id %v prev_active %v, want recorded as active before", round, ispID, prev)
				continue
			}
			if got := e.Sim.Row("web_domain", int(*ispID))["active"]; got != "n" {
				t.Errorf("round %d: site %d active=%q in ISPConfig while suspended", round, *ispID, got)
			}
		}
		rows.Close()
		if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByAdmin); err != nil {
			t.Fatal(err)
		}
		for _, row := range e.Sim.Rows("web_domain") {
			if row["active"] != "y" {
				t.Errorf("round %d: site %v not restored", round, row["domain"])
			}
		}
	}
	if n := e.Count(`SELECT count(*) FROM sites WHERE state <> 'active'`); n != 0 {
		t.Errorf("%d sites not active", n)
	}
	if n, m := e.Count(`SELECT count(*) FROM sites`), len(e.Sim.Rows("web_domain")); n != m {
		t.Errorf("Postgres has %d sites, ISPConfig %d", n, m)
	}
}

// TestCeiling_ResellerPlanCapsTheSumAndReportsClientPlans: a reseller's own plan caps what all its clients use
// together (not only each client plan), and lowering it names the client plans that now allow more.
func TestCeiling_ResellerPlanCapsTheSumAndReportsClientPlans(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	rl := testenv.Unlimited
	rl.MaxSites = 3
	r := e.Customer(store.RoleReseller, nil, "r@example.test", e.Plan(nil, store.RoleReseller, "r", rl))
	cl := testenv.Unlimited
	cl.MaxSites = 2
	cp := e.Plan(&r, store.RoleClient, "c", cl)
	a := e.Customer(store.RoleClient, &r, "a@example.test", cp)
	b := e.Customer(store.RoleClient, &r, "b@example.test", cp)
	for _, s := range []struct {
		c      store.Customer
		domain string
	}{{a, "a1.test"}, {a, "a2.test"}, {b, "b1.test"}} {
		if _, err := newSite(e, s.c, s.domain); err != nil {
			t.Fatalf("site %s: %v", s.domain, err)
		}
	}
	e.Sim.ResetCalls()
	// b's own plan allows a second site, but the reseller's three are used up across a and b.
	_, err := newSite(e, b, "b2.test")
	if fe := fail.FieldsOf(err); fe["form"].Format == "" {
		t.Fatalf("a fourth site under a reseller plan of three: %v, want a form error", err)
	}
	// The same for disk: three sites of 100 MB fill a reseller's 300 MB.
	disk := testenv.Unlimited
	disk.MaxDiskMB = 300
	if err := e.Ten.ChangePlan(ctx, r.ID, e.Plan(nil, store.RoleReseller, "disk", disk).ID); err != nil {
		t.Fatal(err)
	}
	e.Sim.ResetCalls()
	_, err = newSite(e, b, "b2.test")
	if fe := fail.FieldsOf(err); fe["quota_mb"].Format == "" {
		t.Fatalf("a site past the reseller's total disk: %v, want a quota error", err)
	}
	if n := e.Sim.CallCount(); n != 0 {
		t.Errorf("refused creates made %d ISPConfig calls", n)
	}
	// Lowering the reseller's plan below its client plans' limits names them.
	low := disk
	low.SiteQuotaMB = 50
	lower := e.Plan(nil, store.RoleReseller, "lower", low)
	if err := e.Ten.ChangePlan(ctx, r.ID, lower.ID); err != nil {
		t.Fatalf("change to a plan the usage fits: %v", err)
	}
	over, err := e.Ten.OverCeiling(ctx, r.ID)
	if err != nil || len(over) != 2 {
		t.Fatalf("over the ceiling: %v (%v), want both clients", over, err)
	}
}

// TestSuspension_BillingLeavesOthersAlone: billing neither takes over a reseller's suspension of its client nor
// lifts it, so lifting billing's own suspension later gives back exactly the state before; a reseller can't lift
// billing's suspension, an admin can.
func TestSuspension_BillingLeavesOthersAlone(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")
	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByReseller); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByBilling); err != nil {
		t.Fatal(err)
	}
	if got := e.Reload(c); got.SuspendedBy != store.SuspendedByReseller {
		t.Fatalf("billing over a reseller's suspension: by %q, want reseller (unchanged)", got.SuspendedBy)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByBilling); err != nil {
		t.Fatal(err)
	}
	if got := e.Reload(c); !got.SuspendedSelf || got.SuspendedBy != store.SuspendedByReseller {
		t.Fatalf("billing lifting: self %v by %q, want the reseller's suspension kept", got.SuspendedSelf, got.SuspendedBy)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByReseller); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByBilling); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByReseller); status(err) != http.StatusForbidden {
		t.Fatalf("reseller lifting billing's suspension: %v, want 403", err)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatalf("admin lifting billing's suspension: %v", err)
	}
	if got := e.Reload(c); got.Suspended() {
		t.Fatal("still suspended after the admin lifted billing's suspension")
	}
}
