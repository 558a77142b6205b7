package views

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/a-h/templ"

	"portal/internal/store"
)

// allocsPerRow renders list(n) for 10 and for 50 rows and returns the allocations each further row costs. It counts
// allocations (testing.AllocsPerRun), it does not time anything.
func allocsPerRow(t *testing.T, list func(n int) templ.Component) float64 {
	t.Helper()
	var buf bytes.Buffer
	ctx := context.Background()
	count := func(n int) float64 {
		c := list(n)
		return testing.AllocsPerRun(50, func() {
			buf.Reset()
			if err := c.Render(ctx, &buf); err != nil {
				t.Fatal(err)
			}
		})
	}
	return (count(50) - count(10)) / 40
}

var rowTime = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// The list pages' rows render at a fixed, small number of allocations each, so a list page costs about the same
// whatever its rows hold, and a template change that makes a row allocate more fails here. What a row costs is
// templ's (v0.3) runtime and the strings the row builds itself: each { text } expression allocates 2 (templ formats
// it with fmt.Sprint; rows write their cells with @Text instead, which allocates nothing), each attribute
// expression 1 (its value is boxed for the sanitiser), each component call about 2 (its closure, and the context
// that clears its children), and each id or URL the row builds 1. A site row has 8 attribute expressions, 3
// components and 7 built strings: 23 measured (37 before, when it built its id and URL again for every use and
// its cells went through fmt.Sprint). The bounds are today's figures plus 8, room for four translated labels per
// row written as { } expressions, plus 1 for each button that says which row it acts on ("Delete example.com",
// issue 13's accessible names, filled by Ts: the name is a new string); a row that formats or concatenates more
// than that fails.
func TestListRowAllocations(t *testing.T) {
	sites := func(n int) templ.Component {
		d := SitesData{ObjectPager: ObjectPager{Base: "/sites", Total: n, First: true}}
		for i := range n {
			d.Sites = append(d.Sites, store.Site{ID: int64(100_000 + i), Domain: fmt.Sprintf("site%06d.example.com", i),
				PHPMode: "php-fpm", QuotaMB: 1000, TrafficMB: -1, Active: true, State: store.StateActive,
				CreatedAt: rowTime, CustomerName: "Client", Apply: store.ApplyApplied})
		}
		return SiteResults(d)
	}
	mail := func(n int) templ.Component {
		v := MailList{ObjectPager: ObjectPager{Base: "/mail", Total: n, First: true}}
		for i := range n {
			v.Domains = append(v.Domains, store.MailDomain{ID: int64(100_000 + i), Domain: fmt.Sprintf("mail%06d.example.com", i),
				Active: true, State: store.StateActive, CreatedAt: rowTime, CustomerName: "Client", Mailboxes: 12,
				Apply: store.ApplyApplied})
		}
		return MailDomainResults(v)
	}
	customers := func(n int) templ.Component {
		var list []store.Customer
		for i := range n {
			list = append(list, store.Customer{ID: int64(100_000 + i), Kind: store.RoleClient, Name: fmt.Sprintf("Client %06d", i),
				Company: "Company", Email: fmt.Sprintf("c%d@example.com", i), State: store.StateActive,
				Suspension: store.SuspensionNone, CreatedAt: rowTime, PlanName: "Basic", ResellerName: "Reseller"})
		}
		return CustomerResults("/reseller/clients", ListQuery{Total: n, Per: 25, First: true}, list, true)
	}
	dashboard := func(n int) templ.Component {
		var names []string
		for i := range n {
			names = append(names, fmt.Sprintf("site%06d.example.com", i))
		}
		c := store.Customer{ID: 1, Kind: store.RoleClient, Name: "Client", State: store.StateActive, Suspension: store.SuspensionNone}
		return DashboardPage(DashboardData{Role: string(store.RoleClient), Name: "Client", Customer: &c,
			Dashboard: store.Dashboard{Sites: names}})
	}
	for _, tc := range []struct {
		name string
		list func(int) templ.Component
		max  float64
	}{
		{"sites", sites, 23 + 8 + 3},
		{"mail domains", mail, 14 + 8 + 2},
		{"customers", customers, 12 + 8},
		{"dashboard sites", dashboard, 0 + 2},
	} {
		got := allocsPerRow(t, tc.list)
		t.Logf("%s: %.1f allocations per row", tc.name, got)
		if max := tc.max + raceAllowance; got > max {
			t.Errorf("%s: %.1f allocations per row, want at most %.0f", tc.name, got, max)
		}
	}
}
