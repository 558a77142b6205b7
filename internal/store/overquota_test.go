package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/dbtest"
	"portal/internal/store"
)

// overQuotaWorld is a database with customers over quota in every way a dashboard counts, and some that are not.
type overQuotaWorld struct {
	pool *pgxpool.Pool
	ids  map[string]int64 // customer name → id
}

func newOverQuotaWorld(t *testing.T) overQuotaWorld {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	w := overQuotaWorld{pool: pool, ids: map[string]int64{}}
	q := func(sql string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := pool.QueryRow(ctx, sql, args...).Scan(&id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return id
	}
	q(`INSERT INTO platforms (name, endpoint, seeded) VALUES ('p', 'http://isp.test', true) RETURNING id`)
	plan := func(audience, name string, maxClients, maxSites, maxDiskMB int) int64 {
		return q(`INSERT INTO plans (audience, name, max_clients, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb,
			max_mail_aliases, max_domains, site_quota_mb, max_disk_mb) VALUES ($1, $2, $3, $4, -1, -1, -1, -1, -1, -1, $5) RETURNING id`,
			audience, name, maxClients, maxSites, maxDiskMB)
	}
	free := plan("client", "free", 0, -1, -1)
	oneSite := plan("client", "one site", 0, 1, -1)
	resellerFree := plan("reseller", "reseller free", -1, -1, -1)
	oneClient := plan("reseller", "one client", 1, -1, -1)
	smallDisk := plan("reseller", "small disk", -1, -1, 10)
	customer := func(name string, reseller *int64, planID int64) int64 {
		kind := "client"
		if slices.Contains([]int64{resellerFree, oneClient, smallDisk}, planID) {
			kind = "reseller"
		}
		id := q(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
			VALUES ($1, $2, (SELECT id FROM platforms), $3, $4, $4 || '@x.test', $4, 'active') RETURNING id`, kind, reseller, planID, name)
		w.ids[name] = id
		return id
	}
	site := func(cust int64, domain string, quotaMB int, usedKB *int64) {
		id := q(`INSERT INTO sites (customer_id, domain, quota_mb, state, isp_id) VALUES ($1, $2, $3, 'active', 1) RETURNING id`, cust, domain, quotaMB)
		if usedKB != nil {
			q(`INSERT INTO site_usage (site_id, disk_used_kb, observed_at) VALUES ($1, $2, now()) RETURNING site_id`, id, *usedKB)
		}
	}
	mailbox := func(cust int64, domain string, quotaMB int, used int64) {
		md := q(`INSERT INTO mail_domains (customer_id, domain, state, isp_id) VALUES ($1, $2, 'active', 1) RETURNING id`, cust, domain)
		id := q(`INSERT INTO mailboxes (customer_id, mail_domain_id, email, quota_mb, state, isp_id) VALUES ($1, $2, 'info@' || $3, $4, 'active', 1)
			RETURNING id`, cust, md, domain, quotaMB)
		q(`INSERT INTO mailbox_usage (mailbox_id, used_bytes, observed_at) VALUES ($1, $2, now()) RETURNING mailbox_id`, id, used)
	}
	kb := func(n int64) *int64 { return &n }

	// Direct clients: one with more sites than its plan allows, one using more disk than its site's quota, and
	// two that are fine (an unlimited site using a lot; a site just at its quota).
	twoSites := customer("direct-two-sites", nil, oneSite)
	site(twoSites, "a.direct.test", 10, nil)
	site(twoSites, "b.direct.test", 10, nil)
	site(customer("direct-disk", nil, free), "disk.direct.test", 10, kb(10*1024+1))
	site(customer("direct-unlimited", nil, free), "big.direct.test", -1, kb(1<<30))
	site(customer("direct-at-quota", nil, free), "full.direct.test", 10, kb(10*1024))

	// A reseller within its plan whose clients are over: a mailbox holding more than its quota, a site over its
	// quota; and fine ones (a mailbox with no quota, a mailbox under it). A deleted client over quota is not counted.
	fine := customer("reseller-fine", nil, resellerFree)
	mailbox(customer("client-mailbox", &fine, free), "box.test", 100, 100<<20+1)
	site(customer("client-disk", &fine, free), "disk.client.test", 5, kb(6*1024))
	mailbox(customer("client-unlimited-box", &fine, free), "nolimit.test", 0, 1<<40)
	mailbox(customer("client-ok-box", &fine, free), "ok.test", 100, 99<<20)
	gone := customer("client-deleted", &fine, oneSite)
	site(gone, "a.gone.test", 10, nil)
	site(gone, "b.gone.test", 10, nil)
	if _, err := pool.Exec(ctx, `UPDATE customers SET state = 'deleted' WHERE id = $1`, gone); err != nil {
		t.Fatal(err)
	}

	// Resellers over their own plan: more clients than it allows, more disk allotted over its clients' sites.
	many := customer("reseller-many-clients", nil, oneClient)
	customer("many-1", &many, free)
	customer("many-2", &many, free)
	disk := customer("reseller-disk", nil, smallDisk)
	site(customer("disk-client", &disk, free), "big.disk.test", 20, nil)
	// A reseller whose own mailbox is over its quota.
	mailbox(customer("reseller-own-box", nil, resellerFree), "own.reseller.test", 1, 2<<20)
	return w
}

// names lists the names of customers, sorted.
func names(list []store.Customer) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Name)
	}
	slices.Sort(out)
	return out
}

// overList is the whole "over" list of kind as scope sees it.
func (w overQuotaWorld) overList(t *testing.T, scope store.Scope, kind store.Role) ([]store.Customer, store.Paging) {
	t.Helper()
	list, pg, err := store.NewCustomers(w.pool).List(context.Background(), scope, store.CustomerFilter{Kind: kind, Only: "over", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list, pg
}

// TestOverQuota_DashboardCountsAreTheirLists: an admin's dashboard counts every client and every reseller over
// quota (more than its plan allows, or a site or mailbox the servers report over its quota), and each count is
// exactly the list it links to; a reseller's count is its clients' list.
func TestOverQuota_DashboardCountsAreTheirLists(t *testing.T) {
	w := newOverQuotaWorld(t)
	ctx := context.Background()
	admin := store.Scope{Role: store.RoleAdmin}
	d, err := store.NewCustomers(w.pool).DashboardOf(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kind  store.Role
		count int
		want  []string
	}{
		{store.RoleClient, d.Attention.OverQuota, []string{"client-disk", "client-mailbox", "direct-disk", "direct-two-sites"}},
		{store.RoleReseller, d.Attention.OverQuotaResellers, []string{"reseller-disk", "reseller-many-clients", "reseller-own-box"}},
	} {
		list, pg := w.overList(t, admin, c.kind)
		if got := names(list); !slices.Equal(got, c.want) || c.count != len(c.want) || pg.Total != c.count {
			t.Errorf("admin, %ss over quota: count %d, list total %d, list %v; want %v", c.kind, c.count, pg.Total, got, c.want)
		}
	}

	reseller, err := store.NewCustomers(w.pool).ByID(ctx, w.ids["reseller-fine"])
	if err != nil {
		t.Fatal(err)
	}
	rd, err := store.NewCustomers(w.pool).DashboardOf(ctx, &reseller)
	if err != nil {
		t.Fatal(err)
	}
	list, pg := w.overList(t, store.Scope{Role: store.RoleReseller, CustomerID: reseller.ID}, store.RoleClient)
	want := []string{"client-disk", "client-mailbox"}
	if got := names(list); !slices.Equal(got, want) || rd.Attention.OverQuota != len(want) || pg.Total != len(want) {
		t.Errorf("reseller's clients over quota: count %d, list total %d, list %v; want %v", rd.Attention.OverQuota, pg.Total, got, want)
	}
}
