package tenancy_test

import (
	"context"
	"strings"
	"testing"

	"portal/internal/store"
	"portal/internal/testenv"
)

// TestInstallation_TwoPortalDatabasesShareOneISPConfig: a fresh portal database against an ISPConfig an earlier
// portal database used creates its customers (their customer_no markers differ by installation), and never adopts
// the other installation's client that happens to have the same username.
func TestInstallation_TwoPortalDatabasesShareOneISPConfig(t *testing.T) {
	first := testenv.New(t)
	second := testenv.New(t, func(o *testenv.Options) { o.Sim = first.Sim })
	a := first.Customer(store.RoleClient, nil, "a@example.test")
	b := second.Customer(store.RoleClient, nil, "b@example.test") // the same customer id 1 in its own database
	if a.ID != b.ID {
		t.Fatalf("the two databases should both start at customer id 1 (got %d and %d)", a.ID, b.ID)
	}
	markers := map[string]bool{}
	for _, row := range first.Sim.Rows("client") {
		markers[row["customer_no"]] = true
	}
	if len(markers) != 2 || !strings.HasPrefix(firstKey(markers), "portal-") {
		t.Fatalf("customer_no markers %v, want two distinct portal markers", markers)
	}
	// The second database asks for a username the first one's client holds: refused, not adopted.
	in := tenancyClientOf(second, "a@example.test")
	c, err := second.Ten.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != store.StateFailed || c.ISPClientID != nil {
		t.Fatalf("customer with another installation's username: state %s isp id %v, want failed without an id", c.State, c.ISPClientID)
	}
	if n := len(first.Sim.Rows("client")); n != 2 {
		t.Fatalf("ISPConfig clients: %d, want 2", n)
	}
}

func firstKey(m map[string]bool) string {
	for k := range m {
		return k
	}
	return ""
}
