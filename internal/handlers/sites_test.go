package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/dbtest"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
)

// siteForm is a valid create form for domain.
func siteForm(domain string) url.Values {
	return url.Values{"domain": {domain}, "php": {"php-fpm"}, "quota_mb": {"500"}, "traffic_mb": {"-1"}, "active": {"y"}}
}

// countRows runs a count query against the test database.
func countRows(t *testing.T, app *testApp, q string, args ...any) int {
	t.Helper()
	var n int
	if err := app.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// siteRow reads our record of a site.
func siteRow(t *testing.T, app *testApp, id int64) store.Site {
	t.Helper()
	s, err := store.NewSites(app.pool).ByID(context.Background(), id)
	if err != nil {
		t.Fatalf("site %d: %v", id, err)
	}
	return s
}

// createdID takes the new object's id from a 303 to /<base>/<id>.
func createdID(t *testing.T, resp response, base string) int64 {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, base) {
		t.Fatalf("create: status %d location %q, want 303 to %s<id>; body: %.400s", resp.StatusCode, loc, base, resp.body)
	}
	var id int64
	if _, err := fmt.Sscanf(strings.TrimPrefix(loc, base), "%d", &id); err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	return id
}

func simSite(t *testing.T, app *testApp, ispID *int64) map[string]string {
	t.Helper()
	if ispID == nil {
		t.Fatalf("site has no ISPConfig id")
	}
	row := app.sim.Row("web_domain", int(*ispID))
	if row == nil {
		t.Fatalf("simulator has no web_domain %d", *ispID)
	}
	return row
}

func TestSiteCreate_ClientForItself(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")

	page := b.get("/sites")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, `data-testid="site-form"`) {
		t.Fatalf("GET /sites: status %d, form shown %v; want 200 with the create form", page.StatusCode, strings.Contains(page.body, "site-form"))
	}
	if strings.Contains(page.body, `name="customer_id"`) {
		t.Errorf("a client's create form offers a customer_id field, want none")
	}
	f := siteForm("Shop.Example.COM")
	f.Set("ssl", "y")
	f.Set("letsencrypt", "y")
	id := createdID(t, b.post("/sites", f), "/sites/")

	s := siteRow(t, app, id)
	if s.State != store.StateActive || s.Domain != "shop.example.com" || s.CustomerID != c.ID || !s.SSL || !s.LetsEncrypt || s.QuotaMB != 500 {
		t.Fatalf("site row: got %+v, want active shop.example.com of customer %d, ssl+LE, 500 MB", s, c.ID)
	}
	row := simSite(t, app, s.ISPID)
	want := map[string]string{"domain": "shop.example.com", "server_id": "1", "ip_address": "*", "hd_quota": "500",
		"traffic_quota": "-1", "php": "php-fpm", "active": "y", "ssl": "y", "ssl_letsencrypt": "y", "type": "vhost",
		"sys_groupid": idString(*c.ISPGroupID)}
	for k, v := range want {
		if row[k] != v {
			t.Errorf("simulator web_domain.%s: got %q, want %q", k, row[k], v)
		}
	}
	if n := app.auditCount("site.create", store.OutcomeSuccess); n != 1 {
		t.Errorf("site.create success audit entries: got %d, want 1", n)
	}

	// The list needs only Postgres; the detail page makes at most one ISPConfig read.
	app.sim.ResetCalls()
	list := b.get("/sites")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, "shop.example.com") {
		t.Fatalf("list after create: status %d, has the site %v; want 200 listing it", list.StatusCode, strings.Contains(list.body, "shop.example.com"))
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("GET /sites made %d ISPConfig calls, want 0", n)
	}
	detail := b.get(fmt.Sprintf("/sites/%d", id))
	if detail.StatusCode != http.StatusOK || !strings.Contains(detail.body, `data-testid="site-docroot"`) {
		t.Fatalf("detail: status %d; want 200 with the document root from ISPConfig; body %.300s", detail.StatusCode, detail.body)
	}
	if n := app.sim.CallCount(); n > 1 {
		t.Errorf("GET /sites/{id} made %d ISPConfig calls, want at most 1", n)
	}
	if !strings.Contains(detail.body, "within a minute or two") {
		t.Errorf("detail page does not say that changes reach the server with a delay")
	}
}

func TestSiteCreate_ResellerAndAdminPickTheirClients(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	c1 := app.customer(store.RoleClient, &r1, "c1@example.com")
	c2 := app.customer(store.RoleClient, &r2, "c2@example.com")

	res := app.browser()
	res.mustLogin("r1@example.com", pw, "/reseller")
	f := siteForm("r1-site.test")
	f.Set("customer_id", idString(c1.ID))
	id := createdID(t, res.post("/sites", f), "/sites/")
	if s := siteRow(t, app, id); s.CustomerID != c1.ID || s.State != store.StateActive {
		t.Fatalf("reseller's site: got customer %d state %s, want customer %d active", s.CustomerID, s.State, c1.ID)
	}

	// Another reseller's client, the reseller itself, and a missing customer_id are refused before ISPConfig.
	for _, cid := range []string{idString(c2.ID), idString(r1.ID), "", "abc"} {
		app.sim.ResetCalls()
		f := siteForm("foreign.test")
		f.Set("customer_id", cid)
		resp := res.post("/sites", f)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-customer_id"`) {
			t.Errorf("reseller creating for customer %q: status %d, want 422 with error-customer_id", cid, resp.StatusCode)
		}
		if n := app.sim.CallCount(); n != 0 {
			t.Errorf("customer %q: %d ISPConfig calls, want 0", cid, n)
		}
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites WHERE domain = 'foreign.test'`); n != 0 {
		t.Errorf("rows for refused site: got %d, want 0", n)
	}

	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	f = siteForm("admin-made.test")
	f.Set("customer_id", idString(c2.ID))
	id = createdID(t, admin.post("/sites", f), "/sites/")
	if s := siteRow(t, app, id); s.CustomerID != c2.ID {
		t.Errorf("admin's site: customer %d, want %d", s.CustomerID, c2.ID)
	}
	// Reseller 1 does not see reseller 2's client's site in its list.
	if body := res.get("/sites").body; strings.Contains(body, "admin-made.test") || !strings.Contains(body, "r1-site.test") {
		t.Errorf("reseller list: shows foreign site %v, shows own %v; want false, true",
			strings.Contains(body, "admin-made.test"), strings.Contains(body, "r1-site.test"))
	}
}

func TestSite_OtherTenantGets404AndNoCalls(t *testing.T) {
	app := newApp(t)
	r1 := app.customer(store.RoleReseller, nil, "r1@example.com")
	r2 := app.customer(store.RoleReseller, nil, "r2@example.com")
	c1 := app.customer(store.RoleClient, &r1, "c1@example.com")
	app.customer(store.RoleClient, &r2, "c2@example.com")
	site := app.fixtureSite(c1, "mine.test", true)

	for _, who := range []struct{ email, home string }{{"c2@example.com", "/client"}, {"r2@example.com", "/reseller"}} {
		b := app.browser()
		b.mustLogin(who.email, pw, who.home)
		app.sim.ResetCalls()
		base := fmt.Sprintf("/sites/%d", site)
		for _, req := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", base, nil},
			{"GET", base + "/delete", nil},
			{"POST", base, url.Values{"php": {"php-fpm"}, "quota_mb": {"100"}, "traffic_mb": {"-1"}}},
			{"POST", base + "/active", url.Values{"active": {"n"}}},
			{"POST", base + "/delete", url.Values{"confirm": {"yes"}}},
		} {
			var resp response
			if req.method == "GET" {
				resp = b.get(req.path)
			} else {
				resp = b.post(req.path, req.form)
			}
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s %s: status %d, want 404", who.email, req.method, req.path, resp.StatusCode)
			}
		}
		if n := app.sim.CallCount(); n != 0 {
			t.Errorf("%s: %d ISPConfig calls, want 0", who.email, n)
		}
	}
	if s := siteRow(t, app, site); !s.Active || s.State != store.StateActive || s.QuotaMB != 1000 {
		t.Errorf("site after foreign attempts: got active %v state %s quota %d, want unchanged", s.Active, s.State, s.QuotaMB)
	}
}

func TestSiteCreate_ValidationMakesNoCalls(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	plan := app.plan(&r, store.RoleClient, "small", store.Limits{MaxDiskMB: -1, MaxSites: 10, SiteQuotaMB: 1000, MaxDomains: 5,
		MaxMailDomains: 1, MaxMailboxes: 1, MaxMailQuotaMB: 1, MaxMailAliases: 1})
	c := app.customer(store.RoleClient, &r, "c@example.com", plan.ID)
	app.fixtureSite(c, "taken.test", true)
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")

	cases := []struct {
		name, field string
		edit        func(url.Values)
	}{
		{"bad domain", "domain", func(f url.Values) { f.Set("domain", "not a domain") }},
		{"empty domain", "domain", func(f url.Values) { f.Set("domain", "") }},
		{"duplicate domain", "domain", func(f url.Values) { f.Set("domain", "TAKEN.test") }},
		{"php not offered", "php", func(f url.Values) { f.Set("php", "hhvm") }},
		{"zero quota", "quota_mb", func(f url.Values) { f.Set("quota_mb", "0") }},
		{"quota over plan", "quota_mb", func(f url.Values) { f.Set("quota_mb", "1001") }},
		{"unlimited quota on a limited plan", "quota_mb", func(f url.Values) { f.Set("quota_mb", "-1") }},
		{"traffic not a number", "traffic_mb", func(f url.Values) { f.Set("traffic_mb", "lots") }},
		{"lets encrypt without ssl", "letsencrypt", func(f url.Values) { f.Set("letsencrypt", "y") }},
	}
	for _, tc := range cases {
		app.sim.ResetCalls()
		f := siteForm("new-" + strings.ReplaceAll(tc.name, " ", "-") + ".test")
		tc.edit(f)
		resp := b.post("/sites", f)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, resp.StatusCode)
		}
		if !strings.Contains(resp.body, `data-testid="error-`+tc.field+`"`) {
			t.Errorf("%s: no inline error for %s", tc.name, tc.field)
		}
		if n := app.sim.CallCount(); n != 0 {
			t.Errorf("%s: %d ISPConfig calls, want 0", tc.name, n)
		}
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites`); n != 1 {
		t.Errorf("sites in Postgres: got %d, want 1 (the fixture)", n)
	}
	// htmx gets just the form back, with its errors.
	b.hdrs["HX-Request"] = "true"
	resp := b.post("/sites", url.Values{"domain": {"x"}, "php": {"php-fpm"}, "quota_mb": {"5"}, "traffic_mb": {"-1"}})
	delete(b.hdrs, "HX-Request")
	if resp.StatusCode != http.StatusUnprocessableEntity || strings.Contains(resp.body, "<html") || !strings.Contains(resp.body, `id="site-form"`) {
		t.Errorf("htmx invalid create: status %d, full page %v; want 422 with the form fragment", resp.StatusCode, strings.Contains(resp.body, "<html"))
	}
	// Unknown fields are a 400 (a client can't name a customer).
	f := siteForm("sneaky.test")
	f.Set("customer_id", idString(c.ID))
	if resp := b.post("/sites", f); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("client sending customer_id: status %d, want 400", resp.StatusCode)
	}
}

func TestSiteCreate_ConcurrentLimit(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	plan := app.plan(&r, store.RoleClient, "one site", store.Limits{MaxDiskMB: -1, MaxSites: 1, SiteQuotaMB: -1, MaxDomains: 1,
		MaxMailDomains: 1, MaxMailboxes: 1, MaxMailQuotaMB: 1, MaxMailAliases: 1})
	app.customer(store.RoleClient, &r, "c@example.com", plan.ID)
	browsers := []*browser{app.browser(), app.browser()}
	for _, b := range browsers {
		b.mustLogin("c@example.com", pw, "/client")
	}
	app.sim.SetFault("sites_web_domain_add", ispsim.Fault{Kind: ispsim.FaultLatency, Latency: 50 * time.Millisecond})
	statuses := make([]int, len(browsers))
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = b.post("/sites", siteForm(fmt.Sprintf("race%d.test", i))).StatusCode
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			ok++
		case http.StatusUnprocessableEntity:
			refused++
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("concurrent creates: statuses %v, want one 303 and one 422", statuses)
	}
	if n := len(app.sim.Rows("web_domain")); n != 1 {
		t.Errorf("simulator web sites: got %d, want 1", n)
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites`); n != 1 {
		t.Errorf("sites in Postgres: got %d, want 1", n)
	}
}

func TestSiteCreate_ResellerLimitSpansClients(t *testing.T) {
	app := newApp(t)
	rp := app.plan(nil, store.RoleReseller, "reseller one site", store.Limits{MaxDiskMB: -1, MaxClients: -1, MaxSites: 1, SiteQuotaMB: -1,
		MaxDomains: -1, MaxMailDomains: -1, MaxMailboxes: -1, MaxMailQuotaMB: -1, MaxMailAliases: -1})
	r := app.customer(store.RoleReseller, nil, "r@example.com", rp.ID)
	c1 := app.customer(store.RoleClient, &r, "c1@example.com")
	c2 := app.customer(store.RoleClient, &r, "c2@example.com")
	app.fixtureSite(c1, "first.test", true)
	b := app.browser()
	b.mustLogin("r@example.com", pw, "/reseller")
	app.sim.ResetCalls()
	f := siteForm("second.test")
	f.Set("customer_id", idString(c2.ID))
	resp := b.post("/sites", f)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "reseller&#39;s plan allows 1 web sites") {
		t.Fatalf("over the reseller's limit: status %d, want 422 naming the reseller's plan; body %.500s", resp.StatusCode, resp.body)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("ISPConfig calls: got %d, want 0", n)
	}
}

func TestSiteCreate_MismatchIsAFailureAndLeavesNothing(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	app.sim.DropField("web_domain", "traffic_quota")
	f := siteForm("dropped.test")
	f.Set("traffic_mb", "2000")
	resp := b.post("/sites", f)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(resp.body, "did not store the change as sent") {
		t.Fatalf("mismatched create: status %d, want 502 saying it was not stored as sent; body %.400s", resp.StatusCode, resp.body)
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites`); n != 0 {
		t.Errorf("sites in Postgres after a mismatch: got %d, want 0", n)
	}
	if n := len(app.sim.Rows("web_domain")); n != 0 {
		t.Errorf("simulator web sites after a mismatch: got %d, want 0 (the mismatched site is deleted again)", n)
	}
	if n := app.auditCount("site.create", store.OutcomeFailure); n != 1 {
		t.Errorf("failure audit entries: got %d, want 1", n)
	}
	// Once the platform stores everything again, the same domain can be created.
	app.sim.ClearDroppedFields()
	createdID(t, b.post("/sites", f), "/sites/")
}

func TestSite_PlatformDown(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	site := app.fixtureSite(c, "up.test", true)
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	app.platformDown()

	list := b.get("/sites")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, "up.test") {
		t.Errorf("list with ISPConfig down: status %d, want 200 listing up.test", list.StatusCode)
	}
	detail := b.get(fmt.Sprintf("/sites/%d", site))
	if detail.StatusCode != http.StatusOK || !strings.Contains(detail.body, `data-testid="site-live-unavailable"`) {
		t.Errorf("detail with ISPConfig down: status %d, want 200 saying the platform did not answer", detail.StatusCode)
	}
	writes := []struct {
		path string
		form url.Values
	}{
		{"/sites", siteForm("new.test")},
		{fmt.Sprintf("/sites/%d", site), url.Values{"php": {"php-fpm"}, "quota_mb": {"700"}, "traffic_mb": {"-1"}}},
		{fmt.Sprintf("/sites/%d/active", site), url.Values{"active": {"n"}}},
		{fmt.Sprintf("/sites/%d/delete", site), url.Values{"confirm": {"yes"}}},
	}
	app.sim.ResetCalls()
	for _, wr := range writes {
		resp := b.post(wr.path, wr.form)
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(resp.body, "isn&#39;t responding") {
			t.Errorf("POST %s with ISPConfig down: status %d, want 502 with the clear message", wr.path, resp.StatusCode)
		}
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites`); n != 1 {
		t.Errorf("sites in Postgres: got %d, want 1 (no pending row left behind)", n)
	}
	if s := siteRow(t, app, site); s.State != store.StateActive || !s.Active || s.QuotaMB != 1000 {
		t.Errorf("site after failed writes: state %s active %v quota %d, want active, true, 1000", s.State, s.Active, s.QuotaMB)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("writes made %d ISPConfig calls while the platform was known down, want 0", n)
	}
	app.sim.ClearFaults()
	if n := len(app.sim.Rows("web_domain")); n != 1 {
		t.Errorf("simulator sites: got %d, want 1", n)
	}
}

func TestSiteCreate_LostAnswerIsAdoptedOnRetry(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	// The add is applied but its answer is lost, and the look-up afterwards fails too: the portal can't know.
	app.sim.SetFault("sites_web_domain_add", ispsim.Fault{Kind: ispsim.FaultHTTP500, After: true, Times: 1})
	app.sim.SetFault("sites_web_domain_get", ispsim.Fault{Kind: ispsim.FaultDown, Times: 1})
	resp := b.post("/sites", siteForm("lost.test"))
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(resp.body, "did not confirm") {
		t.Fatalf("ambiguous create: status %d, want 502 saying it is not confirmed yet", resp.StatusCode)
	}
	// The portal keeps what it knows: the row stays pending, so the object can't be forgotten.
	var id int64
	if err := app.pool.QueryRow(context.Background(), `SELECT id FROM sites WHERE domain = 'lost.test' AND state = 'pending'`).Scan(&id); err != nil {
		t.Fatalf("pending row after an ambiguous create: %v", err)
	}
	if n := app.auditCount("site.create", "unknown"); n != 1 {
		t.Errorf("audit entries for the unknown outcome: got %d, want 1", n)
	}
	// A second try can't create a twin while the first is unsettled (the probe first sees the platform back).
	app.platformUp()
	if resp := b.post("/sites", siteForm("lost.test")); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("create while the first is pending: status %d, want 422", resp.StatusCode)
	}
	// The settle job finds ISPConfig's site of this very client and adopts it.
	if err := app.hosting.Settle(context.Background(), store.KindSite, id); err != nil {
		t.Fatal(err)
	}
	if s := siteRow(t, app, id); s.State != store.StateActive || s.ISPID == nil {
		t.Errorf("adopted site: state %s isp id %v, want active with an id", s.State, s.ISPID)
	}
	if n := len(app.sim.Rows("web_domain")); n != 1 {
		t.Errorf("simulator sites: got %d, want 1", n)
	}
}

func TestSiteActive_ToggleInPlace(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	site := app.fixtureSite(c, "toggle.test", true)
	b := app.browser()
	b.mustLogin("r@example.com", pw, "/reseller")

	app.sim.ResetCalls()
	b.hdrs["HX-Request"] = "true"
	resp := b.post(fmt.Sprintf("/sites/%d/active", site), url.Values{"active": {"n"}})
	delete(b.hdrs, "HX-Request")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(resp.body), "<tr") || !strings.Contains(resp.body, `data-testid="site-enable"`) {
		t.Fatalf("htmx disable: status %d, want 200 with the row offering Enable; body %.300s", resp.StatusCode, resp.body)
	}
	if n := app.sim.CallCount(); n != 2 {
		t.Errorf("disable made %d ISPConfig calls, want 2 (the write and its verifying read)", n)
	}
	s := siteRow(t, app, site)
	if s.Active {
		t.Errorf("site row active after disable: got true, want false")
	}
	if got := simSite(t, app, s.ISPID)["active"]; got != "n" {
		t.Errorf("simulator active: got %q, want n", got)
	}
	// Without JavaScript: a plain form post and a redirect back to the list.
	resp = b.post(fmt.Sprintf("/sites/%d/active", site), url.Values{"active": {"y"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sites" {
		t.Errorf("plain enable: status %d location %q, want 303 to /sites", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !siteRow(t, app, site).Active {
		t.Errorf("site row after enable: inactive, want active")
	}
	if resp := b.post(fmt.Sprintf("/sites/%d/active", site), url.Values{"active": {"maybe"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("active=maybe: status %d, want 422", resp.StatusCode)
	}
}

func TestSiteUpdate_ResendsResettableValues(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	site := app.fixtureSite(c, "edit.test", true) // stored with log_retention 10, pm_max_children 10
	b := app.browser()
	b.mustLogin("admin@example.com", pw, "/admin")

	app.sim.ResetCalls()
	resp := b.post(fmt.Sprintf("/sites/%d", site), url.Values{"php": {"fast-cgi"}, "ssl": {"y"}, "quota_mb": {"1500"}, "traffic_mb": {"300"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: status %d, want 303; body %.400s", resp.StatusCode, resp.body)
	}
	if n := app.sim.CallCount(); n > 3 {
		t.Errorf("edit made %d ISPConfig calls, want at most 3 (read, write, verify)", n)
	}
	s := siteRow(t, app, site)
	if s.PHPMode != "fast-cgi" || !s.SSL || s.QuotaMB != 1500 || s.TrafficMB != 300 {
		t.Errorf("site row after edit: got %+v", s)
	}
	row := simSite(t, app, s.ISPID)
	for k, v := range map[string]string{"php": "fast-cgi", "ssl": "y", "hd_quota": "1500", "traffic_quota": "300",
		"log_retention": "10", "pm_max_children": "10", "pm_start_servers": "2", "pm_max_spare_servers": "5"} {
		if row[k] != v {
			t.Errorf("simulator web_domain.%s after edit: got %q, want %q", k, row[k], v)
		}
	}
	// A mismatch on edit is shown as a failure.
	app.sim.DropField("web_domain", "php")
	resp = b.post(fmt.Sprintf("/sites/%d", site), url.Values{"php": {"php-fpm"}, "quota_mb": {"1500"}, "traffic_mb": {"300"}})
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("edit with a dropped field: status %d, want 502", resp.StatusCode)
	}
	if got := siteRow(t, app, site).PHPMode; got != "fast-cgi" {
		t.Errorf("php mode recorded after a mismatched edit: got %q, want fast-cgi", got)
	}
	// Invalid edits: inline error, no calls.
	app.sim.ResetCalls()
	resp = b.post(fmt.Sprintf("/sites/%d", site), url.Values{"php": {"php-fpm"}, "quota_mb": {"-7"}, "traffic_mb": {"300"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-quota_mb"`) {
		t.Errorf("invalid edit: status %d, want 422 with error-quota_mb", resp.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("invalid edit: %d ISPConfig calls, want 0", n)
	}
}

func TestSiteDelete_ConfirmThenDelete(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	site := app.fixtureSite(c, "gone.test", true)
	site2 := app.fixtureSite(c, "gone2.test", true)
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	ispID := siteRow(t, app, site).ISPID

	app.sim.ResetCalls()
	if resp := b.get(fmt.Sprintf("/sites/%d/delete", site)); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="site-delete-confirm"`) {
		t.Errorf("confirmation page: status %d, want 200 with the confirm form", resp.StatusCode)
	}
	if resp := b.post(fmt.Sprintf("/sites/%d/delete", site), nil); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="site-delete-confirm"`) {
		t.Errorf("delete without confirm: status %d, want 200 with the confirm form", resp.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("confirmation steps made %d ISPConfig calls, want 0", n)
	}
	resp := b.post(fmt.Sprintf("/sites/%d/delete", site), url.Values{"confirm": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sites" {
		t.Fatalf("delete: status %d location %q, want 303 to /sites", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites WHERE id = $1`, site); n != 0 {
		t.Errorf("row after delete: %d, want 0", n)
	}
	if row := app.sim.Row("web_domain", int(*ispID)); row != nil {
		t.Errorf("simulator still has the deleted site")
	}
	b.hdrs["HX-Request"] = "true"
	resp = b.post(fmt.Sprintf("/sites/%d/delete", site2), url.Values{"confirm": {"yes"}})
	delete(b.hdrs, "HX-Request")
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(resp.body) != "" {
		t.Errorf("htmx delete: status %d body %q, want 200 and an empty row", resp.StatusCode, resp.body)
	}
	if n := app.auditCount("site.delete", store.OutcomeSuccess); n != 2 {
		t.Errorf("delete audit entries: got %d, want 2", n)
	}
}

func TestSite_SuspendedClientIsRefused(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	site := app.fixtureSite(c, "frozen.test", true)
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	if _, err := app.pool.Exec(context.Background(), `UPDATE customers SET suspended_self = true, suspended_by = 'admin' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	app.sim.ResetCalls()
	for _, wr := range []struct {
		path string
		form url.Values
	}{
		{"/sites", siteForm("more.test")},
		{fmt.Sprintf("/sites/%d/active", site), url.Values{"active": {"n"}}},
		{fmt.Sprintf("/sites/%d", site), url.Values{"php": {"php-fpm"}, "quota_mb": {"10"}, "traffic_mb": {"-1"}}},
		{fmt.Sprintf("/sites/%d/delete", site), url.Values{"confirm": {"yes"}}},
	} {
		resp := b.post(wr.path, wr.form)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.body, "suspended") {
			t.Errorf("POST %s while suspended: status %d, want 403 saying suspended", wr.path, resp.StatusCode)
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("ISPConfig calls while suspended: got %d, want 0", n)
	}
	if n := countRows(t, app, `SELECT count(*) FROM sites`); n != 1 {
		t.Errorf("sites: got %d, want 1", n)
	}
}

func TestSiteCreate_DomainLimit(t *testing.T) {
	for _, subdomains := range []bool{true, false} {
		t.Run(fmt.Sprintf("subdomains=%v", subdomains), func(t *testing.T) {
			app := newApp(t, func(o *Options) {
				o.Settings.DomainLimit = true
				o.Settings.DomainLimitSubdomains = subdomains
			})
			c := app.customer(store.RoleClient, nil, "c@example.com")
			b := app.browser()
			b.mustLogin("c@example.com", pw, "/client")
			app.sim.ResetCalls()
			resp := b.post("/sites", siteForm("example.com"))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "not one of the client") {
				t.Fatalf("site on an unassigned domain: status %d, want 422 with the domain-limit message", resp.StatusCode)
			}
			if n := app.sim.CallCount(); n != 0 {
				t.Errorf("ISPConfig calls for a refused domain: got %d, want 0", n)
			}
			app.fixtureDomain(c, "example.com")
			createdID(t, b.post("/sites", siteForm("example.com")), "/sites/")
			resp = b.post("/sites", siteForm("shop.example.com"))
			if subdomains && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("subdomain with subdomains allowed: status %d, want 303", resp.StatusCode)
			}
			if !subdomains && resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("subdomain with subdomains not allowed: status %d, want 422", resp.StatusCode)
			}
			if resp := b.post("/sites", siteForm("notexample.com")); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("notexample.com (suffix but not a subdomain): status %d, want 422", resp.StatusCode)
			}
		})
	}
	// Module off: any domain.
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	createdID(t, b.post("/sites", siteForm("anything.test")), "/sites/")
}

func TestSiteList_FilterAndPaginate(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	if _, err := app.pool.Exec(context.Background(), `INSERT INTO sites (customer_id, isp_id, domain, state)
		SELECT $1, 100000 + g, 'site' || lpad(g::text, 3, '0') || '.test', 'active' FROM generate_series(1, 60) g`, c.ID); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	app.sim.ResetCalls()
	p1 := b.get("/sites")
	if n := strings.Count(p1.body, `data-testid="site-row"`); n != 25 {
		t.Errorf("page 1 rows: got %d, want 25", n)
	}
	if !strings.Contains(p1.body, "site001.test") || !strings.Contains(p1.body, `data-testid="pager-next"`) {
		t.Errorf("page 1: want site001.test and a next link")
	}
	p2 := b.get(p1.link("pager-next"))
	p3 := b.get(p2.link("pager-next"))
	if n := strings.Count(p3.body, `data-testid="site-row"`); n != 10 || !strings.Contains(p3.body, "site060.test") ||
		!strings.Contains(p3.body, "site051.test") || p3.link("pager-next") != "" {
		t.Errorf("page 3: got %d rows, want 10 ending with site060.test and no next link", n)
	}
	if back := b.get(p3.link("pager-prev")); !strings.Contains(back.body, "site026.test") || !strings.Contains(back.body, "site050.test") ||
		strings.Count(back.body, `data-testid="site-row"`) != 25 {
		t.Errorf("previous from page 3: want site026…site050")
	}
	q := b.get("/sites?q=site05")
	if n := strings.Count(q.body, `data-testid="site-row"`); n != 10 {
		t.Errorf("filter site05: got %d rows, want 10", n)
	}
	b.hdrs["HX-Request"] = "true"
	b.hdrs["HX-Target"] = "site-results"
	frag := b.get("/sites?q=site05")
	delete(b.hdrs, "HX-Request")
	delete(b.hdrs, "HX-Target")
	if !strings.HasPrefix(strings.TrimSpace(frag.body), `<div id="site-results"`) {
		t.Errorf("htmx filter: want just the results fragment, got %.100s", frag.body)
	}
	if resp := b.get("/sites?after=zero"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("after=zero: status %d, want 400", resp.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("list pages made %d ISPConfig calls, want 0", n)
	}
}

// BenchmarkSiteList renders a client's site list page (page 1, and a page deep in the list) with 100 and 10,000
// sites in Postgres, through the real router and middleware.
func BenchmarkSiteList(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("sites=%d", n), func(b *testing.B) {
			pool := dbtest.New(b)
			ctx := context.Background()
			platform, err := store.NewPlatforms(pool).Ensure(ctx, store.Platform{Name: "bench", WebServerID: 1, MailServerID: 1})
			if err != nil {
				b.Fatal(err)
			}
			var planID, custID int64
			if err := pool.QueryRow(ctx, `INSERT INTO plans (audience, name, max_sites, max_mail_domains, max_mailboxes,
				max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb) VALUES ('client', 'p', -1, -1, -1, -1, -1, -1, -1)
				RETURNING id`).Scan(&planID); err != nil {
				b.Fatal(err)
			}
			if err := pool.QueryRow(ctx, `INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username,
				isp_client_id, isp_group_id, state) VALUES ('client', $1, $2, 'Bench', 'bench@example.com', 'bench', 1, 2, 'active')
				RETURNING id`, platform.ID, planID).Scan(&custID); err != nil {
				b.Fatal(err)
			}
			// Other customers' sites, so the index has to pick this client's out of more.
			if _, err := pool.Exec(ctx, `INSERT INTO sites (customer_id, isp_id, domain, state)
				SELECT $1, g, 'site' || g || '.bench.test', 'active' FROM generate_series(1, $2::int) g`, custID, n); err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Exec(ctx, `ANALYZE sites`); err != nil {
				b.Fatal(err)
			}
			acct, err := store.NewAccounts(pool).CreateForCustomer(ctx, "bench@example.com", "Bench", store.RoleClient, "x", custID)
			if err != nil {
				b.Fatal(err)
			}
			sessions, _ := NewSessions(pool, time.Hour, time.Hour, false, 0)
			h := New(Options{Pool: pool, Sessions: sessions, Platform: platform})
			p := Principal{Acting: acct, Effective: acct}
			handler := sessions.LoadAndSave(h.wrap(func(w http.ResponseWriter, r *http.Request) error {
				return h.siteList(w, r.WithContext(context.WithValue(r.Context(), ctxPrincipal, p)))
			}))
			for _, page := range []int{1, n / 25 / 2} {
				path := "/sites"
				if page > 1 {
					path += "?after=" + keyAt(b, pool, `SELECT lower(domain), id FROM sites ORDER BY lower(domain), id`, (page-1)*25-1)
				}
				b.Run(fmt.Sprintf("page=%d", page), func(b *testing.B) {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					b.ReportAllocs()
					for b.Loop() {
						rec := httptest.NewRecorder()
						handler.ServeHTTP(rec, req)
						if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `data-testid="site-row"`) {
							b.Fatalf("status %d, want 200 with rows", rec.Code)
						}
					}
				})
			}
		})
	}
}
