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

// The list pages' rows allocate nothing beyond the row itself: the row's value (its component) and the one string
// it builds (a site's or mail domain's id, used in its links; a customer's date). They are written by hand for this
// (rows.go; templ v0.3 allocated 12-23 per row for attribute expressions, component calls and { } text, 20-34
// with translated labels). The dashboard's site names are one templ expression each, written with @Text. A row
// that formats, concatenates or boxes anything more fails here.
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
	invoices := func(n int) templ.Component {
		var rows []InvoiceRow
		for i := range n {
			rows = append(rows, InvoiceRow{ID: int64(100_000 + i), Number: fmt.Sprintf("N-%06d", i), Kind: "invoice", State: "issued",
				Customer: "Client", Issued: &rowTime, Due: &rowTime, Total: 123456, Open: 1000, Currency: "EUR"})
		}
		return InvoiceTable(rows, nil)
	}
	for _, tc := range []struct {
		name string
		list func(int) templ.Component
		max  float64
	}{
		{"invoices", invoices, 2},
		{"sites", sites, 2},
		{"mail domains", mail, 2},
		{"customers", customers, 2},
		{"dashboard sites", dashboard, 2},
	} {
		got := allocsPerRow(t, tc.list)
		t.Logf("%s: %.1f allocations per row", tc.name, got)
		if max := tc.max + raceAllowance; got > max {
			t.Errorf("%s: %.1f allocations per row, want at most %.0f", tc.name, got, max)
		}
	}
}
