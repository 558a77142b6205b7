package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
)

func customerForm(name, email, username string, planID int64) url.Values {
	return url.Values{"name": {name}, "company": {""}, "email": {email}, "username": {username}, "password": {pw}, "plan_id": {fmt.Sprint(planID)}}
}

func TestCustomerCreate_AdminResellerAndClient(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	rplan := app.plan(nil, store.RoleReseller, "Reseller S", unlimited)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")

	resp := admin.post("/admin/resellers", customerForm("Res One", "Res.One@Example.com", "resone", rplan.ID))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/customers/") {
		t.Fatalf("create reseller: status %d location %q body %.300s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
	}
	detail := admin.get(resp.Header.Get("Location"))
	if !strings.Contains(detail.body, `data-testid="state">active`) {
		t.Fatalf("new reseller not active: %.500s", detail.body)
	}
	if app.simRowsWhere("client", "username", "resone") != 1 {
		t.Fatal("reseller not in ISPConfig")
	}
	// The reseller signs in with the email (case-insensitively) and creates a client on its own plan.
	res := app.browser()
	res.mustLogin("res.one@example.com", pw, "/reseller")
	if resp := res.post("/reseller/plans", url.Values{"name": {"Small"}, "max_sites": {"1"}, "site_quota_mb": {"500"},
		"max_mail_domains": {"1"}, "max_mailboxes": {"2"}, "max_mail_quota_mb": {"200"}, "max_mail_aliases": {"2"}, "max_domains": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reseller plan: status %d body %.300s", resp.StatusCode, resp.body)
	}
	plans, _ := store.NewPlans(app.pool).Owned(context.Background(), ptrID(t, app, "resone"), store.RoleClient)
	if len(plans) != 1 {
		t.Fatalf("reseller plans: %d", len(plans))
	}
	resp = res.post("/reseller/clients", customerForm("Client One", "client1@example.com", "client1", plans[0].ID))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create client: status %d body %.300s", resp.StatusCode, resp.body)
	}
	cl := app.browser()
	cl.mustLogin("client1@example.com", pw, "/client")
	dash := cl.get("/client")
	if !strings.Contains(dash.body, `data-testid="usage"`) || !strings.Contains(dash.body, "Small") {
		t.Errorf("client dashboard lacks usage against its plan")
	}
	if app.auditCount("customer.create", store.OutcomeSuccess) != 2 {
		t.Errorf("customer.create audit rows = %d, want 2", app.auditCount("customer.create", store.OutcomeSuccess))
	}
}

func ptrID(t *testing.T, app *testApp, username string) *int64 {
	t.Helper()
	var id int64
	if err := app.pool.QueryRow(context.Background(), `SELECT id FROM customers WHERE isp_username = $1`, username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return &id
}

func TestCustomerCreate_ValidationMakesNoISPConfigCall(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	rplan := app.plan(nil, store.RoleReseller, "R", unlimited)
	cplan := app.plan(nil, store.RoleClient, "C", unlimited)
	other := app.customer(store.RoleReseller, nil, "other@example.com")
	otherPlan := app.plan(&other, store.RoleClient, "theirs", unlimited)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	app.sim.ResetCalls()
	cases := []struct {
		name, path, field string
		form              url.Values
	}{
		{"empty name", "/admin/resellers", "name", customerForm("", "a@example.com", "aaa", rplan.ID)},
		{"bad email", "/admin/resellers", "email", customerForm("A", "not-an-email", "aaa", rplan.ID)},
		{"plus in reseller email", "/admin/resellers", "email", customerForm("A", "a+b@example.com", "aaa", rplan.ID)},
		{"bad username", "/admin/resellers", "username", customerForm("A", "a@example.com", "no spaces", rplan.ID)},
		{"reserved username", "/admin/clients", "username", customerForm("A", "a@example.com", "web1", cplan.ID)},
		{"client plan for a reseller", "/admin/resellers", "plan_id", customerForm("A", "a@example.com", "aaa", cplan.ID)},
		{"someone else's plan", "/admin/clients", "plan_id", customerForm("A", "a@example.com", "aaa", otherPlan.ID)},
		{"weak password", "/admin/clients", "password", url.Values{"name": {"A"}, "company": {""}, "email": {"a@example.com"}, "username": {"aaa"}, "password": {"short"}, "plan_id": {fmt.Sprint(cplan.ID)}}},
	}
	for _, c := range cases {
		resp := admin.post(c.path, c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-`+c.field+`"`) {
			t.Errorf("%s: status %d, want 422 with an inline error on %s", c.name, resp.StatusCode, c.field)
		}
	}
	// A duplicate username or email is caught by Postgres before ISPConfig is asked.
	if resp := admin.post("/admin/clients", customerForm("Dup", "other@example.com", "fresh", cplan.ID)); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "already exists") {
		t.Errorf("duplicate email: status %d", resp.StatusCode)
	}
	if resp := admin.post("/admin/clients", customerForm("Dup", "new@example.com", other.ISPUsername, cplan.ID)); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "already taken") {
		t.Errorf("duplicate username: status %d", resp.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("invalid forms caused %d ISPConfig calls", n)
	}
	var n int
	_ = app.pool.QueryRow(context.Background(), `SELECT count(*) FROM customers`).Scan(&n)
	if n != 1 {
		t.Fatalf("customers after invalid forms = %d, want 1 (nothing half-written)", n)
	}
}

func TestCustomerList_SearchSortPaginate(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	plan := app.plan(&r, store.RoleClient, "p", unlimited)
	// 30 clients straight into Postgres: the list never asks ISPConfig.
	for i := range 30 {
		_, err := app.pool.Exec(context.Background(), `INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state)
			VALUES ('client', $1, $2, $3, $4, $5, $6, 'active')`, r.ID, app.platform.ID, plan.ID, fmt.Sprintf("Client %02d", i),
			fmt.Sprintf("c%02d@example.com", i), fmt.Sprintf("c%02d", i))
		if err != nil {
			t.Fatal(err)
		}
	}
	b := app.browser()
	b.mustLogin("r@example.com", pw, "/reseller")
	app.sim.ResetCalls()
	page1 := b.get("/reseller/clients")
	if n := strings.Count(page1.body, `data-testid="customer-row"`); n != 25 || !strings.Contains(page1.body, `data-testid="next-page"`) {
		t.Fatalf("page 1: %d rows, want 25 and a next link", n)
	}
	page2 := b.get(page1.link("next-page"))
	if n := strings.Count(page2.body, `data-testid="customer-row"`); n != 5 || !strings.Contains(page2.body, "Client 29") ||
		page2.link("next-page") != "" {
		t.Fatalf("page 2: %d rows, want the last 5 and no next link", n)
	}
	if back := b.get(page2.link("prev-page")); back.body != page1.body {
		t.Errorf("previous from page 2 is not page 1")
	}
	// Sorted by email descending, the pages still follow on: page 2 starts after page 1's last row.
	d1 := b.get("/reseller/clients?sort=email&desc=1")
	d2 := b.get(d1.link("next-page"))
	if !strings.Contains(d1.body, "c29@example.com") || !strings.Contains(d2.body, "c04@example.com") || !strings.Contains(d2.body, "c00@example.com") ||
		strings.Contains(d2.body, "c05@example.com") {
		t.Errorf("by email descending: page 1 should hold c29…c05, page 2 c04…c00")
	}
	desc := b.get("/reseller/clients?sort=name&desc=1")
	if i, j := strings.Index(desc.body, "Client 29"), strings.Index(desc.body, "Client 28"); i < 0 || j < 0 || i > j {
		t.Errorf("descending by name: Client 29 should come before Client 28")
	}
	// Sorted by creation date or state, where all 30 rows tie (one INSERT, all active), the id breaks the tie.
	for _, sort := range []string{"created", "state"} {
		s1 := b.get("/reseller/clients?sort=" + sort)
		s2 := b.get(s1.link("next-page"))
		if n := strings.Count(s2.body, `data-testid="customer-row"`); s2.StatusCode != http.StatusOK || n != 5 {
			t.Errorf("by %s, page 2: status %d, %d rows, want 5", sort, s2.StatusCode, n)
		}
	}
	search := b.get("/reseller/clients?q=c07")
	if n := strings.Count(search.body, `data-testid="customer-row"`); n != 1 {
		t.Errorf("search c07: %d rows, want 1", n)
	}
	req, _ := http.NewRequest(http.MethodGet, app.srv.URL+"/reseller/clients?q=client+1", nil)
	req.Header.Set("HX-Request", "true")
	frag := b.do(req)
	if strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, `id="customer-results"`) {
		t.Errorf("htmx search should return only the results fragment")
	}
	for _, bad := range []string{"?after=0.x", "?after=x", "?before=1", "?sort=password"} {
		if resp := b.get("/reseller/clients" + bad); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, resp.StatusCode)
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Errorf("list pages made %d ISPConfig calls, want 0", n)
	}
}

func TestPlans_ResellerCannotSellMoreThanItHas(t *testing.T) {
	app := newApp(t)
	rp := app.plan(nil, store.RoleReseller, "R small", store.Limits{MaxDiskMB: -1, MaxClients: 3, MaxSites: 5, MaxMailDomains: 5, MaxMailboxes: 10,
		MaxMailQuotaMB: 1000, MaxMailAliases: 10, MaxDomains: 5, SiteQuotaMB: 500})
	app.customer(store.RoleReseller, nil, "r@example.com", rp.ID)
	b := app.browser()
	b.mustLogin("r@example.com", pw, "/reseller")
	form := url.Values{"name": {"Too big"}, "max_sites": {"-1"}, "site_quota_mb": {"500"}, "max_mail_domains": {"1"},
		"max_mailboxes": {"1"}, "max_mail_quota_mb": {"100"}, "max_mail_aliases": {"1"}, "max_domains": {"1"}}
	resp := b.post("/reseller/plans", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "sites") {
		t.Fatalf("unlimited sites under a 5-site plan: status %d", resp.StatusCode)
	}
	form.Set("max_sites", "5")
	form.Set("max_clients", "9") // a client plan carries no client limit, whatever the form says
	form.Set("name", "Fits")
	if resp := b.post("/reseller/plans", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a plan within limits: status %d body %.300s", resp.StatusCode, resp.body)
	}
	var maxClients int
	var audience string
	if err := app.pool.QueryRow(context.Background(), `SELECT max_clients, audience FROM plans WHERE name = 'Fits'`).Scan(&maxClients, &audience); err != nil || maxClients != 0 || audience != "client" {
		t.Fatalf("saved plan: max_clients %d audience %s (%v), want 0 and client", maxClients, audience, err)
	}
	form.Set("max_sites", "abc")
	if resp := b.post("/reseller/plans", form); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-max_sites"`) {
		t.Fatalf("non-numeric limit: status %d", resp.StatusCode)
	}
}

func TestChangePlan_RefusedBelowUsageAndMirroredToISPConfig(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	big := app.plan(nil, store.RoleClient, "Big", unlimited)
	small := app.plan(nil, store.RoleClient, "Small", store.Limits{MaxDiskMB: -1, MaxSites: 0, MaxMailDomains: 3, MaxMailboxes: 3, MaxMailQuotaMB: 300, MaxMailAliases: 3, MaxDomains: 3, SiteQuotaMB: 100})
	medium := app.plan(nil, store.RoleClient, "Medium", store.Limits{MaxDiskMB: -1, MaxSites: 2, MaxMailDomains: 3, MaxMailboxes: 7, MaxMailQuotaMB: 300, MaxMailAliases: 3, MaxDomains: 3, SiteQuotaMB: 100})
	c := app.customer(store.RoleClient, nil, "c@example.com", big.ID)
	app.fixtureSite(c, "one.test", true)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	resp := admin.post(fmt.Sprintf("/customers/%d/plan", c.ID), url.Values{"plan_id": {fmt.Sprint(small.ID)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, "sites") {
		t.Fatalf("downgrade below usage: status %d", resp.StatusCode)
	}
	resp = admin.post(fmt.Sprintf("/customers/%d/plan", c.ID), url.Values{"plan_id": {fmt.Sprint(medium.ID)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("change to a plan that fits: status %d", resp.StatusCode)
	}
	if got := app.sim.Row("client", int(*c.ISPClientID))["limit_mailbox"]; got != "7" {
		t.Errorf("ISPConfig limit_mailbox = %q, want 7 (mirrored)", got)
	}
	after, _ := store.NewCustomers(app.pool).ByID(context.Background(), c.ID)
	if after.PlanID != medium.ID {
		t.Errorf("plan in Postgres = %d, want %d", after.PlanID, medium.ID)
	}
	// Platform down: the change fails clearly and nothing changes.
	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	resp = admin.post(fmt.Sprintf("/customers/%d/plan", c.ID), url.Values{"plan_id": {fmt.Sprint(big.ID)}})
	if resp.StatusCode < 400 || resp.StatusCode >= 500 && resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("plan change with ISPConfig down: status %d", resp.StatusCode)
	}
	after, _ = store.NewCustomers(app.pool).ByID(context.Background(), c.ID)
	if after.PlanID != medium.ID {
		t.Errorf("plan changed although ISPConfig was down")
	}
}

func TestAdminPages_WorkWhilePlatformIsDown(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	app.customer(store.RoleReseller, nil, "r@example.com")
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	if resp := admin.get("/admin/platform"); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="platform-up"`) {
		t.Fatalf("platform page with ISPConfig up: status %d", resp.StatusCode)
	}
	app.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	_ = app.isp.Close(context.Background()) // drop the cached session so the platform page must reach ISPConfig
	for _, p := range []string{"/admin", "/admin/resellers", "/admin/clients", "/admin/plans", "/admin/audit"} {
		if resp := admin.get(p); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with ISPConfig down: status %d, want 200", p, resp.StatusCode)
		}
	}
	if resp := admin.get("/admin/platform"); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, `data-testid="platform-down"`) {
		t.Fatalf("platform page with ISPConfig down: status %d", resp.StatusCode)
	}
	rplan := app.plan(nil, store.RoleReseller, "R2", unlimited)
	resp := admin.post("/admin/resellers", customerForm("Later", "later@example.com", "later", rplan.ID))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create with ISPConfig down: status %d (the intent is recorded and shown as pending)", resp.StatusCode)
	}
	detail := admin.get(resp.Header.Get("Location"))
	if !strings.Contains(detail.body, `data-testid="state">pending`) || !strings.Contains(detail.body, "not reachable") {
		t.Errorf("a create during an outage should show pending with the reason")
	}
}

func TestCustomerEdit_ContactAndSignInEmail(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "old@example.com")
	app.customer(store.RoleClient, &r, "taken@example.com")
	b := app.browser()
	b.mustLogin("r@example.com", pw, "/reseller")
	path := fmt.Sprintf("/customers/%d/edit", c.ID)
	if resp := b.get(path); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "old@example.com") {
		t.Fatalf("edit form: %d", resp.StatusCode)
	}
	app.sim.ResetCalls()
	if resp := b.post(path, url.Values{"name": {"New Name"}, "company": {"Co"}, "email": {"taken@example.com"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("taken email: %d, want 422", resp.StatusCode)
	}
	if resp := b.post(path, url.Values{"name": {""}, "company": {""}, "email": {"bad"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid: %d, want 422", resp.StatusCode)
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("refused edits made %d ISPConfig calls", n)
	}
	if resp := b.post(path, url.Values{"name": {"New Name"}, "company": {"Co"}, "email": {"New@Example.com"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %.300s", resp.StatusCode, resp.body)
	}
	row := app.sim.Row("client", int(*c.ISPClientID))
	if row["contact_name"] != "New Name" || row["email"] != "new@example.com" || row["company_name"] != "Co" {
		t.Errorf("ISPConfig client after edit: %v", row)
	}
	app.browser().mustLogin("new@example.com", pw, "/client")
	if r := app.browser().login("old@example.com", pw); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("old email still signs in: %d", r.StatusCode)
	}
}

func TestPlanUpdate_MirrorsLimitsToISPConfig(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	plan := app.plan(nil, store.RoleClient, "Shared", store.Limits{MaxDiskMB: -1, MaxSites: 2, MaxMailDomains: 2, MaxMailboxes: 5, MaxMailQuotaMB: 500, MaxMailAliases: 5, MaxDomains: 2, SiteQuotaMB: 100})
	a := app.customer(store.RoleClient, nil, "a@example.com", plan.ID)
	b := app.customer(store.RoleClient, nil, "b@example.com", plan.ID)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	form := url.Values{"name": {"Shared"}, "max_sites": {"9"}, "site_quota_mb": {"100"}, "max_mail_domains": {"2"},
		"max_mailboxes": {"5"}, "max_mail_quota_mb": {"500"}, "max_mail_aliases": {"5"}, "max_domains": {"2"}}
	if resp := admin.post(fmt.Sprintf("/admin/plans/%d", plan.ID), form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("plan update: %d %.300s", resp.StatusCode, resp.body)
	}
	var jobs int
	_ = app.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'sync_plan_limits'`).Scan(&jobs)
	if jobs != 1 {
		t.Fatalf("sync jobs queued = %d, want 1", jobs)
	}
	if err := app.tenancy.SyncPlanLimits(context.Background(), plan.ID); err != nil { // what the job runs
		t.Fatal(err)
	}
	for _, c := range []store.Customer{a, b} {
		if got := app.sim.Row("client", int(*c.ISPClientID))["limit_web_domain"]; got != "9" {
			t.Errorf("%s: ISPConfig limit_web_domain = %q, want 9", c.Email, got)
		}
	}
}
