package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

func TestDrift_ReportsAdoptsAndForgets(t *testing.T) {
	app := newApp(t)
	app.account("admin@example.com", store.RoleAdmin, pw)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	objs := app.fullCustomer(c, "dr")
	ctx := context.Background()
	ispOf := func(table string, id int64) int64 {
		var v int64
		if err := app.pool.QueryRow(ctx, `SELECT isp_id FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	// No differences at first.
	if resp := admin.post("/admin/drift/run", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("run: %d", resp.StatusCode)
	}
	if page := admin.get("/admin/drift"); strings.Count(page.body, `data-testid="drift-row"`) != 0 {
		t.Fatalf("drift on a fresh customer: %.500s", page.body)
	}
	// Changes made outside the portal: a site disabled, a mailbox deleted, a mail domain added.
	if err := app.isp.SetWebDomainActive(ctx, ispOf("sites", objs[store.KindSite]), false); err != nil {
		t.Fatal(err)
	}
	if err := app.isp.DeleteMailUser(ctx, ispOf("mailboxes", objs[store.KindMailbox])); err != nil {
		t.Fatal(err)
	}
	if _, err := app.isp.AddMailDomain(ctx, *c.ISPClientID, ispapi.MailDomainParams{ServerID: 1, Domain: "outside.test", Active: true, DKIMSelector: "default"}); err != nil {
		t.Fatal(err)
	}
	simBefore := fmt.Sprint(app.sim.Rows("web_domain"), app.sim.Rows("mail_domain"), app.sim.Rows("mail_user"))
	admin.post("/admin/drift/run", nil)
	page := admin.get("/admin/drift")
	if n := strings.Count(page.body, `data-testid="drift-row"`); n != 3 {
		t.Fatalf("drift rows = %d, want 3 (changed site, missing mailbox, extra mail domain): %.1500s", n, page.body)
	}
	if fmt.Sprint(app.sim.Rows("web_domain"), app.sim.Rows("mail_domain"), app.sim.Rows("mail_user")) != simBefore {
		t.Fatalf("the drift check changed ISPConfig")
	}
	items, err := store.NewDrift(app.pool).Open(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	byProblem := map[string]store.DriftItem{}
	for _, d := range items {
		byProblem[d.Problem] = d
	}
	// Adopt the changed site: the portal now records it as disabled.
	if resp := admin.post(fmt.Sprintf("/admin/drift/%d/adopt", byProblem[store.DriftChanged].ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adopt changed: %d %s", resp.StatusCode, resp.body)
	}
	var active bool
	_ = app.pool.QueryRow(ctx, `SELECT active FROM sites WHERE id = $1`, objs[store.KindSite]).Scan(&active)
	if active {
		t.Errorf("adopted site still active in the portal")
	}
	// Adopt the extra mail domain: the portal now has it under the client.
	if resp := admin.post(fmt.Sprintf("/admin/drift/%d/adopt", byProblem[store.DriftMissingLocally].ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adopt missing locally: %d", resp.StatusCode)
	}
	var n int
	_ = app.pool.QueryRow(ctx, `SELECT count(*) FROM mail_domains WHERE customer_id = $1 AND domain = 'outside.test'`, c.ID).Scan(&n)
	if n != 1 {
		t.Errorf("adopted mail domain rows = %d, want 1", n)
	}
	// Forget the missing mailbox: it stays in the portal and is not reported again.
	if resp := admin.post(fmt.Sprintf("/admin/drift/%d/forget", byProblem[store.DriftMissingUpstream].ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("forget: %d", resp.StatusCode)
	}
	admin.post("/admin/drift/run", nil)
	if page := admin.get("/admin/drift"); strings.Count(page.body, `data-testid="drift-row"`) != 0 {
		t.Errorf("after adopting and forgetting, the check still reports: %.1000s", page.body)
	}
	_ = app.pool.QueryRow(ctx, `SELECT count(*) FROM mailboxes WHERE id = $1`, objs[store.KindMailbox]).Scan(&n)
	if n != 1 {
		t.Errorf("forgetting removed the mailbox record")
	}
	if app.auditCount("drift.adopt", store.OutcomeSuccess) != 2 || app.auditCount("drift.forget", store.OutcomeSuccess) != 1 {
		t.Errorf("drift decisions not audited")
	}
}

func TestDrift_PeriodicJobRuns(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	app.fixtureSite(c, "p.test", true)
	if _, err := app.pool.Exec(context.Background(), `DELETE FROM sites`); err != nil {
		t.Fatal(err)
	}
	app.tenancy.DriftEvery = time.Hour // runs on start, then hourly
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
		items, err := store.NewDrift(app.pool).Open(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 1 && items[0].Problem == store.DriftMissingLocally {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the periodic drift job did not report the site: %+v", items)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := app.simRowsWhere("web_domain", "domain", "p.test"); n != 1 {
		t.Fatalf("the drift job touched ISPConfig: %d sites", n)
	}
}

func TestSettleStale_FinishesOrUndoesWhatACrashLeft(t *testing.T) {
	app := newApp(t)
	c := app.customer(store.RoleClient, nil, "c@example.com")
	ctx := context.Background()
	// A request created the site in ISPConfig and died before recording the outcome…
	ispSite, err := app.isp.AddWebDomain(ctx, *c.ISPClientID, siteParams("landed.test", true))
	if err != nil {
		t.Fatal(err)
	}
	landed := app.insertObject(`INSERT INTO sites (customer_id, domain, state, created_at, updated_at) VALUES ($1, 'landed.test', 'pending', now() - interval '1 hour', now() - interval '1 hour') RETURNING id`, c.ID)
	// …another died before ISPConfig heard of it, and a third is still in flight.
	lost := app.insertObject(`INSERT INTO mail_domains (customer_id, domain, state, created_at, updated_at) VALUES ($1, 'lost.test', 'pending', now() - interval '1 hour', now() - interval '1 hour') RETURNING id`, c.ID)
	fresh := app.insertObject(`INSERT INTO domains (customer_id, domain, state) VALUES ($1, 'fresh.test', 'pending') RETURNING id`, c.ID)

	if err := app.hosting.SettleStale(ctx); err != nil {
		t.Fatalf("settle: %v", err)
	}
	var state string
	var ispID *int64
	_ = app.pool.QueryRow(ctx, `SELECT state, isp_id FROM sites WHERE id = $1`, landed).Scan(&state, &ispID)
	if state != "active" || ispID == nil || *ispID != ispSite {
		t.Errorf("landed site: state %s isp_id %v, want active %d", state, ispID, ispSite)
	}
	var cnt int
	_ = app.pool.QueryRow(ctx, `SELECT count(*) FROM mail_domains WHERE id = $1`, lost).Scan(&cnt)
	if cnt != 0 {
		t.Errorf("the lost mail domain's row is still there")
	}
	_ = app.pool.QueryRow(ctx, `SELECT count(*) FROM domains WHERE id = $1 AND state = 'pending'`, fresh).Scan(&cnt)
	if cnt != 1 {
		t.Errorf("a row still in flight was touched")
	}
}
