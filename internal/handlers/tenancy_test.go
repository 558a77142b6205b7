package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// agree checks that Postgres and the simulator hold exactly the same clients: every live, active customer has its
// ISPConfig client (same username), every ISPConfig client belongs to a live customer, and nothing else is pending.
func (a *testApp) agree(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	rows, err := a.pool.Query(ctx, `SELECT isp_username, state, coalesce(isp_client_id, 0) FROM customers WHERE state <> 'deleted'`)
	if err != nil {
		t.Fatal(err)
	}
	pg := map[string]string{}
	for rows.Next() {
		var user, state string
		var ispID int64
		if err := rows.Scan(&user, &state, &ispID); err != nil {
			t.Fatal(err)
		}
		switch state {
		case store.StateActive:
			pg[user] = fmt.Sprint(ispID)
		case store.StateFailed:
			if a.simRowsWhere("client", "username", user) != 0 {
				t.Errorf("failed customer %s exists in ISPConfig", user)
			}
		default:
			t.Errorf("customer %s still %s", user, state)
		}
	}
	sim := map[string]string{}
	for _, r := range a.sim.Rows("client") {
		sim[r["username"]] = r["client_id"]
	}
	for user, id := range pg {
		if sim[user] != id {
			t.Errorf("customer %s: ISPConfig id %s in Postgres, %q in ISPConfig", user, id, sim[user])
		}
	}
	for user := range sim {
		if _, ok := pg[user]; !ok {
			t.Errorf("ISPConfig client %s has no live customer in Postgres (orphan)", user)
		}
	}
}

// finishJobs runs what the durable jobs would: provisioning for pending customers, deletion for deleting ones.
func (a *testApp) finishJobs(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	rows, err := a.pool.Query(ctx, `SELECT id, state FROM customers WHERE state IN ('pending', 'deleting') ORDER BY kind DESC, id`)
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		id    int64
		state string
	}
	var jobs []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.id, &j.state); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		var err error
		if j.state == store.StatePending {
			err = a.tenancy.Provision(ctx, j.id)
		} else {
			err = a.tenancy.FinishDelete(ctx, j.id)
		}
		if err != nil {
			if _, ok := fail.As(err); !ok {
				t.Fatalf("job for customer %d (%s): %v", j.id, j.state, err)
			}
		}
	}
}

func TestProvisioning_UnderFaultsNoOrphans(t *testing.T) {
	app := newApp(t)
	reseller := app.customer(store.RoleReseller, nil, "res@example.com")
	plan := app.plan(&reseller, store.RoleClient, "basic", unlimited)
	hash, _ := app.hasher.Hash(pw)

	// Replies lost after the write happened, and requests that never arrive, on every function.
	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultHTTP500, After: true, Rate: 0.2})
	app.sim.SetFault("client_add", ispsim.Fault{Kind: ispsim.FaultReset, Rate: 0.3})
	const n = 30
	created := make([]store.Customer, 0, n)
	for i := range n {
		c, err := app.tenancy.Create(context.Background(), tenancy.NewCustomer{
			Kind: store.RoleClient, ResellerID: &reseller.ID, PlatformID: app.platform.ID, PlanID: plan.ID,
			Name: fmt.Sprintf("Client %d", i), Email: fmt.Sprintf("c%d@example.com", i), Username: fmt.Sprintf("faultc%d", i),
			PasswordHash: hash,
		})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		created = append(created, c)
	}
	states := map[string]int{}
	for _, c := range created {
		states[c.State]++
	}
	t.Logf("right after the creates: %v", states)
	if states[store.StatePending] == 0 {
		t.Fatalf("no create was left pending by the faults (%v): the test exercises nothing", states)
	}
	// Delete some while the platform is still flaky, pending ones included.
	for _, c := range created[:6] {
		if err := app.tenancy.Delete(context.Background(), c.ID); err != nil {
			t.Fatalf("delete %d: %v", c.ID, err)
		}
	}
	app.sim.ClearFaults()
	app.finishJobs(t)
	app.agree(t)
	var deleted int
	if err := app.pool.QueryRow(context.Background(), `SELECT count(*) FROM customers WHERE state = 'deleted'`).Scan(&deleted); err != nil || deleted != 6 {
		t.Fatalf("tombstones = %d (%v), want 6", deleted, err)
	}
}

func TestProvisioning_RiverJobFinishesWhatTheRequestCouldNot(t *testing.T) {
	app := newApp(t)
	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	app.tenancy.RetryDelay = 0
	hash, _ := app.hasher.Hash(pw)
	plan := app.plan(nil, store.RoleReseller, "resellers", unlimited)
	c, err := app.tenancy.Create(context.Background(), tenancy.NewCustomer{Kind: store.RoleReseller, PlatformID: app.platform.ID,
		PlanID: plan.ID, Name: "Later", Email: "later@example.com", Username: "later", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != store.StatePending || !strings.Contains(c.StateDetail, "not reachable") {
		t.Fatalf("with ISPConfig down: state %s (%q), want pending with a reason", c.State, c.StateDetail)
	}
	app.sim.ClearFaults()
	jobs, err := tenancy.NewJobs(app.pool, app.tenancy, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := jobs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer jobs.Stop(context.Background())
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := store.NewCustomers(app.pool).ByID(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == store.StateActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the river job did not activate the customer: state %s (%s)", got.State, got.StateDetail)
		}
		time.Sleep(100 * time.Millisecond)
	}
	app.agree(t)
}

func TestProvisioning_RefusedByISPConfigFailsVisiblyAndRetries(t *testing.T) {
	app := newApp(t)
	plan := app.plan(nil, store.RoleReseller, "resellers", unlimited)
	hash, _ := app.hasher.Hash(pw)
	// Someone outside the portal already uses the username in ISPConfig.
	stranger := app.customer(store.RoleReseller, nil, "stranger@example.com")
	if _, err := app.pool.Exec(context.Background(), `UPDATE customers SET state = 'deleted' WHERE id = $1`, stranger.ID); err != nil {
		t.Fatal(err)
	}
	c, err := app.tenancy.Create(context.Background(), tenancy.NewCustomer{Kind: store.RoleReseller, PlatformID: app.platform.ID,
		PlanID: plan.ID, Name: "Clash", Email: "clash@example.com", Username: stranger.ISPUsername, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != store.StateFailed || !strings.Contains(c.StateDetail, "already used") {
		t.Fatalf("username taken in ISPConfig: state %s (%q), want failed with a reason", c.State, c.StateDetail)
	}
	if n := app.simRowsWhere("client", "username", stranger.ISPUsername); n != 1 {
		t.Fatalf("the stranger's ISPConfig client count = %d, want 1 (untouched)", n)
	}
	// Once the name is free, an admin's retry sets it up.
	if err := app.isp.DeleteClient(context.Background(), *stranger.ISPClientID); err != nil {
		t.Fatal(err)
	}
	app.account("admin@example.com", store.RoleAdmin, pw)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	if resp := admin.post(fmt.Sprintf("/customers/%d/retry", c.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: status %d", resp.StatusCode)
	}
	after, _ := store.NewCustomers(app.pool).ByID(context.Background(), c.ID)
	if after.State != store.StateActive {
		t.Fatalf("after retry: %s (%s), want active", after.State, after.StateDetail)
	}
	app.agree(t)
}

func TestSuspendUnsuspend_RestoresEveryObject(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	other := app.customer(store.RoleClient, &r, "o@example.com")
	siteOn := app.fixtureSite(c, "on.test", true)
	siteOff := app.fixtureSite(c, "off.test", false)
	mailOn := app.fixtureMailDomain(c, "mail-on.test", true)
	mailOff := app.fixtureMailDomain(c, "mail-off.test", false)
	otherSite := app.fixtureSite(other, "other.test", true)

	active := func(table, idCol string, ourID int64) string {
		var ispID int64
		tbl := map[string]string{"web_domain": "sites", "mail_domain": "mail_domains"}[table]
		if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM `+tbl+` WHERE id = $1`, ourID).Scan(&ispID); err != nil {
			t.Fatal(err)
		}
		return app.sim.Row(table, int(ispID))["active"]
	}
	clientLocked := func(cust store.Customer) string { return app.sim.Row("client", int(*cust.ISPClientID))["locked"] }
	want := map[string]string{}
	snapshot := func() map[string]string {
		return map[string]string{
			"siteOn": active("web_domain", "domain_id", siteOn), "siteOff": active("web_domain", "domain_id", siteOff),
			"mailOn": active("mail_domain", "domain_id", mailOn), "mailOff": active("mail_domain", "domain_id", mailOff),
			"other": active("web_domain", "domain_id", otherSite),
		}
	}
	want = snapshot()
	if want["siteOn"] != "y" || want["siteOff"] != "n" || want["mailOn"] != "y" || want["mailOff"] != "n" {
		t.Fatalf("fixture states %v", want)
	}

	ctx := context.Background()
	if err := app.tenancy.SetSuspended(ctx, c.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	got := snapshot()
	for _, k := range []string{"siteOn", "siteOff", "mailOn", "mailOff"} {
		if got[k] != "n" {
			t.Errorf("suspended: %s active = %q, want n", k, got[k])
		}
	}
	if got["other"] != "y" {
		t.Errorf("another client's site was touched by the suspension")
	}
	c2, _ := store.NewCustomers(app.pool).ByID(ctx, c.ID)
	if c2.Suspension != store.SuspensionSuspended || clientLocked(c2) != "y" {
		t.Fatalf("suspension %s, client locked %q; want suspended and y", c2.Suspension, clientLocked(c2))
	}
	if err := app.tenancy.SetSuspended(ctx, c.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after unsuspend: %v, want exactly the states before %v", got, want)
	}
	c3, _ := store.NewCustomers(app.pool).ByID(ctx, c.ID)
	if c3.Suspension != store.SuspensionNone || clientLocked(c3) != "n" {
		t.Fatalf("after unsuspend: suspension %s, locked %q", c3.Suspension, clientLocked(c3))
	}

	// A reseller's suspension covers all its clients; lifting it leaves a client suspended on its own suspended.
	if err := app.tenancy.SetSuspended(ctx, other.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if err := app.tenancy.SetSuspended(ctx, r.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if got := snapshot(); got["siteOn"] != "n" || got["other"] != "n" {
		t.Fatalf("reseller suspended: client sites %v, want all disabled", got)
	}
	if err := app.tenancy.SetSuspended(ctx, r.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	got = snapshot()
	if got["siteOn"] != "y" || got["mailOn"] != "y" || got["siteOff"] != "n" {
		t.Errorf("reseller unsuspended: c's objects %v, want restored", got)
	}
	if got["other"] != "n" {
		t.Errorf("a client suspended on its own was unsuspended with its reseller")
	}
	o, _ := store.NewCustomers(app.pool).ByID(ctx, other.ID)
	if !o.SuspendedSelf || o.Suspension != store.SuspensionSuspended {
		t.Errorf("other: self %v suspension %s, want still suspended", o.SuspendedSelf, o.Suspension)
	}
}

func TestSuspend_ResumesAfterPlatformFailure(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "flaky@example.com")
	site := app.fixtureSite(c, "flaky.test", true)
	app.fixtureSite(c, "flaky2.test", true)
	app.sim.SetFault("sites_web_domain_set_status", ispsim.Fault{Kind: ispsim.FaultDown, Times: 1})
	if err := app.tenancy.SetSuspended(context.Background(), c.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	mid, _ := store.NewCustomers(app.pool).ByID(context.Background(), c.ID)
	if mid.Suspension != store.SuspensionSuspending || mid.StateDetail == "" {
		t.Fatalf("after a failed step: suspension %s detail %q, want suspending with a reason", mid.Suspension, mid.StateDetail)
	}
	if err := app.tenancy.ApplySuspension(context.Background(), c.ID); err != nil { // the job's retry
		t.Fatal(err)
	}
	if err := app.tenancy.SetSuspended(context.Background(), c.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	var ispID int64
	_ = app.pool.QueryRow(context.Background(), `SELECT isp_id FROM sites WHERE id = $1`, site).Scan(&ispID)
	if got := app.sim.Row("web_domain", int(ispID))["active"]; got != "y" {
		t.Fatalf("site after suspend (retried) and unsuspend: active %q, want y", got)
	}
}

func TestDelete_LeavesNothingInISPConfig(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "gone@example.com")
	keep := app.customer(store.RoleClient, &r, "keep@example.com")
	app.fullCustomer(c, "gone")
	app.fullCustomer(keep, "keep")

	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	if resp := admin.get(fmt.Sprintf("/customers/%d/delete", c.ID)); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="confirm-delete"`) {
		t.Fatalf("confirmation page: status %d", resp.StatusCode)
	}
	if resp := admin.post(fmt.Sprintf("/customers/%d/delete", c.ID), nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("delete without confirm: status %d, want 422", resp.StatusCode)
	}
	if resp := admin.post(fmt.Sprintf("/customers/%d/delete", r.ID), url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("deleting a reseller with clients: status %d, want 422", resp.StatusCode)
	}
	if resp := admin.post(fmt.Sprintf("/customers/%d/delete", c.ID), url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: status %d, want 303", resp.StatusCode)
	}
	gid := fmt.Sprint(*c.ISPGroupID)
	for _, table := range []string{"web_domain", "mail_domain", "mail_user", "mail_forwarding", "domain"} {
		if n := app.simRowsWhere(table, "sys_groupid", gid); n != 0 {
			t.Errorf("ISPConfig %s still has %d rows of the deleted client", table, n)
		}
	}
	if n := app.simRowsWhere("client", "client_id", fmt.Sprint(*c.ISPClientID)); n != 0 {
		t.Errorf("ISPConfig still has the deleted client")
	}
	kgid := fmt.Sprint(*keep.ISPGroupID)
	if app.simRowsWhere("web_domain", "sys_groupid", kgid) != 1 || app.simRowsWhere("mail_user", "sys_groupid", kgid) != 1 {
		t.Errorf("the other client's objects were touched")
	}
	tomb, err := store.NewCustomers(app.pool).ByID(context.Background(), c.ID)
	if err != nil || tomb.State != store.StateDeleted {
		t.Fatalf("tombstone: %+v %v", tomb.State, err)
	}
	if _, err := store.NewAccounts(app.pool).ByCustomer(context.Background(), c.ID); err != store.ErrNotFound {
		t.Errorf("the deleted customer's sign-in still exists (%v)", err)
	}
	if r := app.browser().login("gone@example.com", pw); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("deleted customer can still sign in: %d", r.StatusCode)
	}
	if app.auditCount("customer.delete", store.OutcomeSuccess) != 1 {
		t.Errorf("no audit row for the deletion")
	}
	// The tombstone is nobody's: even the admin gets 404 on it.
	if resp := admin.get(fmt.Sprintf("/customers/%d", c.ID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tombstone detail: status %d, want 404", resp.StatusCode)
	}
}

func TestClientLimit_ConcurrentCreatesCannotExceedIt(t *testing.T) {
	app := newApp(t)
	resellerPlan := app.plan(nil, store.RoleReseller, "two clients", store.Limits{MaxDiskMB: -1, MaxClients: 2, MaxSites: 5, MaxMailDomains: 5,
		MaxMailboxes: 5, MaxMailQuotaMB: 500, MaxMailAliases: 5, MaxDomains: 5, SiteQuotaMB: 100})
	r := app.customer(store.RoleReseller, nil, "two@example.com", resellerPlan.ID)
	plan := app.plan(&r, store.RoleClient, "small", store.Limits{MaxDiskMB: -1, MaxSites: 1, MaxMailDomains: 1, MaxMailboxes: 1, MaxMailQuotaMB: 100, MaxMailAliases: 1, MaxDomains: 1, SiteQuotaMB: 100})
	b := app.browser()
	b.mustLogin("two@example.com", pw, "/reseller")

	const tries = 6
	var wg sync.WaitGroup
	codes := make([]int, tries)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := b.post("/reseller/clients", url.Values{"name": {"C"}, "company": {""}, "email": {fmt.Sprintf("cc%d@example.com", i)},
				"username": {fmt.Sprintf("concur%d", i)}, "password": {pw}, "plan_id": {fmt.Sprint(plan.ID)}})
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	sort.Ints(codes)
	n, err := store.NewCustomers(app.pool).CountClients(context.Background(), r.ID)
	if err != nil || n != 2 {
		t.Fatalf("clients after %d concurrent creates = %d (%v), want exactly 2; statuses %v", tries, n, err, codes)
	}
	if ok := codes[0] == http.StatusSeeOther && codes[1] == http.StatusSeeOther && codes[2] == http.StatusUnprocessableEntity; !ok {
		t.Errorf("statuses %v: want two 303 and the rest 422", codes)
	}
	if got := app.simRowsWhere("client", "parent_client_id", fmt.Sprint(*r.ISPClientID)); got != 2 {
		t.Errorf("ISPConfig has %d clients under the reseller, want 2", got)
	}
}

// TestProvisioning_ConcurrentCreatesShareASmallPool: each provisioning holds one connection for its lock and does
// all its queries on it, so more concurrent creates than pool connections still finish.
func TestProvisioning_ConcurrentCreatesShareASmallPool(t *testing.T) {
	app := newApp(t)
	cfg, err := pgxpool.ParseConfig(app.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 2
	store.ConfigurePool(cfg) // as cmd/portal's pool plans
	small, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	svc := tenancy.New(small, map[int64]tenancy.ISP{app.platform.ID: app.isp}, nil)
	if _, err := tenancy.NewJobs(small, svc, nil); err != nil {
		t.Fatal(err)
	}
	plan := app.plan(nil, store.RoleReseller, "r", unlimited)
	hash, _ := app.hasher.Hash(pw)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Create(ctx, tenancy.NewCustomer{Kind: store.RoleReseller, PlatformID: app.platform.ID, PlanID: plan.ID,
				Name: "R", Email: fmt.Sprintf("r%d@example.com", i), Username: fmt.Sprintf("pool%d", i), PasswordHash: hash})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	var active int
	_ = app.pool.QueryRow(context.Background(), `SELECT count(*) FROM customers WHERE state = 'active'`).Scan(&active)
	if active != 8 {
		t.Fatalf("active customers = %d, want 8", active)
	}
	app.agree(t)
}
