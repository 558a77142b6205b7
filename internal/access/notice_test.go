package access_test

import (
	"context"
	"strings"
	"testing"

	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/testenv"
)

// Suspending a reseller tells it and each of its clients (a client from its reseller's name); unsuspending tells
// them again. A client suspended on its own is not told that its reseller came back.
func TestNotice_SuspendAndUnsuspend(t *testing.T) {
	mp := mailtest.Shared(t)
	e := testenv.New(t, withSMTP(mp.SMTPURL))
	e.StartJobs()
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "ntc-reseller@example.test")
	e.Customer(store.RoleClient, &r, "ntc-client@example.test")
	own := e.Customer(store.RoleClient, &r, "ntc-own@example.test")
	if err := e.Ten.SetSuspended(ctx, own.ID, true, store.SuspendedByReseller); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, r.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SetSuspended(ctx, r.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"ntc-reseller@example.test", "ntc-client@example.test"} {
		msgs := mp.Wait(addr, 2)
		subjects := msgs[0].Subject + " | " + msgs[1].Subject
		if !strings.Contains(subjects, "has been suspended") || !strings.Contains(subjects, "active again") {
			t.Fatalf("%s got %q", addr, subjects)
		}
	}
	if m := mp.Wait("ntc-client@example.test", 2)[0]; m.From.Name != r.Name {
		t.Fatalf("the client's notice is from %q, want its reseller", m.From.Name)
	}
	if got := mp.Wait("ntc-own@example.test", 1); len(got) != 1 || !strings.Contains(got[0].Subject, "suspended") {
		t.Fatalf("the client suspended on its own got %d messages", len(got))
	}
	if n := e.Count(`SELECT count(*) FROM outbox WHERE to_addr = 'ntc-own@example.test'`); n != 1 {
		t.Fatalf("the client suspended on its own got %d notices, want 1 (its own suspension)", n)
	}
}
