package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portal/internal/store"
)

// driftFields returns the open changed items as "kind ourID" → the sorted names of the fields that differ.
func (a *testApp) driftFields() map[string][]string {
	a.t.Helper()
	items, err := store.NewDrift(a.pool).Open(context.Background(), 100)
	if err != nil {
		a.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, d := range items {
		if d.Problem != store.DriftChanged || d.OurID == nil {
			a.t.Errorf("unexpected drift item: %s %s %s", d.Kind, d.Problem, d.Detail)
			continue
		}
		var fields []string
		for _, part := range strings.Split(d.Detail, "; ") {
			f, _, _ := strings.Cut(part, ":")
			fields = append(fields, f)
		}
		slices.Sort(fields)
		out[fmt.Sprintf("%s %d", d.Kind, *d.OurID)] = fields
	}
	return out
}

func (a *testApp) openDrift(kind store.Kind, ourID int64) store.DriftItem {
	a.t.Helper()
	items, err := store.NewDrift(a.pool).Open(context.Background(), 100)
	if err != nil {
		a.t.Fatal(err)
	}
	for _, d := range items {
		if d.Kind == kind && d.OurID != nil && *d.OurID == ourID {
			return d
		}
	}
	a.t.Fatalf("no open drift item for %s %d", kind, ourID)
	return store.DriftItem{}
}

// TestDrift_EveryManagedField changes every field the portal manages in the simulator's rows, outside the API,
// and expects exactly those differences; then pushes the portal's values back (ISPConfig has them again, nothing
// is reported any more) or adopts ISPConfig's (the portal has them).
func TestDrift_EveryManagedField(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	reseller := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &reseller, "c@example.com")
	other := app.customer(store.RoleClient, nil, "o@example.com")
	objs := app.fullCustomer(c, "df")
	ctx := context.Background()
	ispOf := func(table string, id int64) int {
		var v int
		if err := app.pool.QueryRow(ctx, `SELECT isp_id FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	set := func(table string, id int, col, val string) {
		t.Helper()
		if !app.sim.SetColumn(table, id, col, val) {
			t.Fatalf("SetColumn %s %d %s", table, id, col)
		}
	}
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	run := func() map[string][]string {
		t.Helper()
		if resp := admin.post("/admin/drift/run", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("run: %d %s", resp.StatusCode, resp.body)
		}
		return app.driftFields()
	}
	if got := run(); len(got) != 0 {
		t.Fatalf("drift on fixtures that match ISPConfig: %v", got)
	}

	site, md, box, fwd, dom := ispOf("sites", objs[store.KindSite]), ispOf("mail_domains", objs[store.KindMailDomain]),
		ispOf("mailboxes", objs[store.KindMailbox]), ispOf("mail_forwards", objs[store.KindMailForward]), ispOf("domains", objs[store.KindDomain])
	set("web_domain", site, "php", "fast-cgi")
	set("web_domain", site, "ssl", "y")
	set("web_domain", site, "ssl_letsencrypt", "y")
	set("web_domain", site, "hd_quota", "500")
	set("web_domain", site, "traffic_quota", "2000")
	set("web_domain", site, "active", "n")
	set("mail_domain", md, "active", "n")
	set("mail_user", box, "quota", strconv.Itoa(200<<20))
	set("mail_user", box, "name", "Renamed")
	set("mail_user", box, "postfix", "n")
	set("mail_forwarding", fwd, "destination", "thief@elsewhere.test")
	set("mail_forwarding", fwd, "active", "n")
	set("domain", dom, "sys_groupid", strconv.FormatInt(*other.ISPGroupID, 10)) // given to another client
	set("client", int(*c.ISPClientID), "limit_web_domain", "7")
	set("client", int(*c.ISPClientID), "limit_mailquota", "123")
	set("client", int(*other.ISPClientID), "parent_client_id", strconv.FormatInt(*reseller.ISPClientID, 10))

	want := map[string][]string{
		fmt.Sprintf("site %d", objs[store.KindSite]):                {"active", "letsencrypt", "php", "quota_mb", "ssl", "traffic_mb"},
		fmt.Sprintf("mail_domain %d", objs[store.KindMailDomain]):   {"active"},
		fmt.Sprintf("mailbox %d", objs[store.KindMailbox]):          {"active", "name", "quota_mb"},
		fmt.Sprintf("mail_forward %d", objs[store.KindMailForward]): {"active", "destination"},
		fmt.Sprintf("domain %d", objs[store.KindDomain]):            {"owner"},
		fmt.Sprintf("customer %d", c.ID):                            {"limit_mailquota", "limit_web_domain"},
		fmt.Sprintf("customer %d", other.ID):                        {"owner"},
	}
	if got := run(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("differences:\n got %v\nwant %v", got, want)
	}
	page := admin.get("/admin/drift")
	if n := strings.Count(page.body, `data-testid="drift-push"`); n != len(want) {
		t.Errorf("push buttons = %d, want %d", n, len(want))
	}

	// A client's reseller can't be pushed (the API never changes parent_client_id) or adopted: a clear refusal.
	od := app.openDrift(store.KindCustomer, other.ID)
	for _, action := range []string{"push", "adopt"} {
		resp := admin.post(fmt.Sprintf("/admin/drift/%d/%s", od.ID, action), nil)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(resp.body, "reseller") {
			t.Errorf("%s of a client's owner: %d %.300s", action, resp.StatusCode, resp.body)
		}
	}
	admin.post(fmt.Sprintf("/admin/drift/%d/forget", od.ID), nil)

	// Push the portal's values back for everything else.
	for key := range want {
		kind, idText, _ := strings.Cut(key, " ")
		id, _ := strconv.ParseInt(idText, 10, 64)
		if id == other.ID && kind == "customer" {
			continue
		}
		d := app.openDrift(store.Kind(kind), id)
		if resp := admin.post(fmt.Sprintf("/admin/drift/%d/push", d.ID), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("push %s: %d %.500s", key, resp.StatusCode, resp.body)
		}
	}
	if got := run(); len(got) != 0 {
		t.Fatalf("after pushing back, still: %v", got)
	}
	w := app.sim.Row("web_domain", site)
	if w["php"] != "php-fpm" || w["ssl"] != "n" || w["ssl_letsencrypt"] != "n" || w["hd_quota"] != "1000" || w["traffic_quota"] != "-1" || w["active"] != "y" {
		t.Errorf("site after push: %v", w)
	}
	if m := app.sim.Row("mail_user", box); m["quota"] != strconv.Itoa(100<<20) || m["name"] != "Box" || m["postfix"] != "y" {
		t.Errorf("mailbox after push: quota %s name %s postfix %s", m["quota"], m["name"], m["postfix"])
	}
	if f := app.sim.Row("mail_forwarding", fwd); f["destination"] != "someone@elsewhere.test" || f["active"] != "y" {
		t.Errorf("forward after push: %v", f)
	}
	if d := app.sim.Row("domain", dom); d["sys_groupid"] != strconv.FormatInt(*c.ISPGroupID, 10) {
		t.Errorf("domain owner after push: group %s, want %d", d["sys_groupid"], *c.ISPGroupID)
	}
	if cl := app.sim.Row("client", int(*c.ISPClientID)); cl["limit_web_domain"] != "-1" || cl["limit_mailquota"] != "-1" {
		t.Errorf("client limits after push: %s %s", cl["limit_web_domain"], cl["limit_mailquota"])
	}
	if app.auditCount("drift.push", store.OutcomeSuccess) != len(want)-1 {
		t.Errorf("pushes audited: %d, want %d", app.auditCount("drift.push", store.OutcomeSuccess), len(want)-1)
	}

	// Adopt ISPConfig's values: the portal's records take them.
	set("web_domain", site, "php", "no")
	set("web_domain", site, "hd_quota", "700")
	set("mail_user", box, "name", "Theirs")
	set("domain", dom, "sys_groupid", strconv.FormatInt(*other.ISPGroupID, 10))
	want = map[string][]string{
		fmt.Sprintf("site %d", objs[store.KindSite]):       {"php", "quota_mb"},
		fmt.Sprintf("mailbox %d", objs[store.KindMailbox]): {"name"},
		fmt.Sprintf("domain %d", objs[store.KindDomain]):   {"owner"},
	}
	if got := run(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("differences:\n got %v\nwant %v", got, want)
	}
	for _, k := range []struct {
		kind store.Kind
		id   int64
	}{{store.KindSite, objs[store.KindSite]}, {store.KindMailbox, objs[store.KindMailbox]}, {store.KindDomain, objs[store.KindDomain]}} {
		d := app.openDrift(k.kind, k.id)
		if resp := admin.post(fmt.Sprintf("/admin/drift/%d/adopt", d.ID), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("adopt %s: %d %.500s", k.kind, resp.StatusCode, resp.body)
		}
	}
	if got := run(); len(got) != 0 {
		t.Fatalf("after adopting, still: %v", got)
	}
	var php, name string
	var quota int
	var owner int64
	_ = app.pool.QueryRow(ctx, `SELECT php_mode, quota_mb FROM sites WHERE id = $1`, objs[store.KindSite]).Scan(&php, &quota)
	_ = app.pool.QueryRow(ctx, `SELECT name FROM mailboxes WHERE id = $1`, objs[store.KindMailbox]).Scan(&name)
	_ = app.pool.QueryRow(ctx, `SELECT customer_id FROM domains WHERE id = $1`, objs[store.KindDomain]).Scan(&owner)
	if php != "no" || quota != 700 || name != "Theirs" || owner != other.ID {
		t.Errorf("after adopting: php %s quota %d name %s domain owner %d (want no 700 Theirs %d)", php, quota, name, owner, other.ID)
	}
}

// TestDrift_PushMissing: pushing back "missing in ISPConfig" creates the object there again (a mailbox can't be:
// the portal doesn't keep its password), and pushing back "only in ISPConfig" deletes it there.
func TestDrift_PushMissing(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	objs := app.fullCustomer(c, "pm")
	ctx := context.Background()
	var siteISP, boxISP int64
	_ = app.pool.QueryRow(ctx, `SELECT isp_id FROM sites WHERE id = $1`, objs[store.KindSite]).Scan(&siteISP)
	_ = app.pool.QueryRow(ctx, `SELECT isp_id FROM mailboxes WHERE id = $1`, objs[store.KindMailbox]).Scan(&boxISP)
	if err := app.isp.DeleteWebDomain(ctx, siteISP); err != nil {
		t.Fatal(err)
	}
	if err := app.isp.DeleteMailUser(ctx, boxISP); err != nil {
		t.Fatal(err)
	}
	if _, err := app.isp.AddDomain(ctx, *c.ISPClientID, "stray.test"); err != nil {
		t.Fatal(err)
	}
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	admin.post("/admin/drift/run", nil)
	items, err := store.NewDrift(app.pool).Open(ctx, 10)
	if err != nil || len(items) != 3 {
		t.Fatalf("drift items: %d %v", len(items), err)
	}
	for _, d := range items {
		resp := admin.post(fmt.Sprintf("/admin/drift/%d/push", d.ID), nil)
		switch d.Kind {
		case store.KindMailbox:
			if resp.StatusCode != http.StatusConflict || !strings.Contains(resp.body, "password") {
				t.Errorf("push a missing mailbox: %d %.300s", resp.StatusCode, resp.body)
			}
		default:
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("push %s %s: %d %.300s", d.Kind, d.Problem, resp.StatusCode, resp.body)
			}
		}
	}
	if app.simRowsWhere("web_domain", "domain", "pm-site.test") != 1 || app.simRowsWhere("domain", "domain", "stray.test") != 0 {
		t.Fatalf("after pushing: sites %v, domains %v", app.sim.Rows("web_domain"), app.sim.Rows("domain"))
	}
	var newISP int64
	_ = app.pool.QueryRow(ctx, `SELECT isp_id FROM sites WHERE id = $1`, objs[store.KindSite]).Scan(&newISP)
	if newISP == siteISP || app.sim.Row("web_domain", int(newISP))["domain"] != "pm-site.test" {
		t.Errorf("the site's record points at %d (was %d)", newISP, siteISP)
	}
	admin.post("/admin/drift/run", nil)
	items, _ = store.NewDrift(app.pool).Open(ctx, 10)
	if len(items) != 1 || items[0].Kind != store.KindMailbox {
		t.Fatalf("after pushing, open: %+v", items)
	}
}
