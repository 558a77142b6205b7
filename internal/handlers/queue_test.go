package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// checkQueues runs the periodic job's work once and counts its ISPConfig calls.
func (a *testApp) checkQueues() int {
	a.t.Helper()
	before := a.sim.CallCount("monitor_jobqueue_count")
	if err := a.tenancy.CheckQueues(context.Background()); err != nil {
		a.t.Fatalf("check queues: %v", err)
	}
	return a.sim.CallCount("monitor_jobqueue_count") - before
}

func siteStatus(t *testing.T, b *browser, id int64) (string, string) {
	t.Helper()
	page := b.get("/sites/" + idString(id))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("site page: %d", page.StatusCode)
	}
	_, rest, _ := strings.Cut(page.body, `data-testid="site-status"`)
	status, _, _ := strings.Cut(rest, "</dd>")
	return status, page.body
}

// TestApplying_SiteFollowsTheServersQueue: a site shows applying after a write until a read of its server's queue,
// sent after the write, finds the queue empty — then active. One call per server per check, none per page view.
func TestApplying_SiteFollowsTheServersQueue(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")

	// Before the queue was ever read, pages say what they said before.
	if page := b.get("/sites"); !strings.Contains(page.body, views.ApplyDelayNote) {
		t.Fatalf("sites page without a queue reading lacks the delay sentence")
	}
	app.sim.HoldQueue(true) // the servers stop applying changes until the test lets them
	if n := app.checkQueues(); n != 1 {
		t.Fatalf("queue reads = %d, want 1 (web and mail are the same server)", n)
	}
	id := createdID(t, b.post("/sites", siteForm("queued.test")), "/sites/")
	calls := app.sim.CallCount("monitor_jobqueue_count")
	status, body := siteStatus(t, b, id)
	if !strings.Contains(status, `data-testid="applying"`) || !strings.Contains(body, views.QueueNote) {
		t.Fatalf("new site while the queue holds it: status %q, want applying with the queue sentence", status)
	}
	if page := b.get("/sites"); !strings.Contains(page.body, `data-testid="applying"`) || !strings.Contains(page.body, views.QueueNote) {
		t.Fatalf("sites list while queued lacks applying: %.2000s", page.body)
	}
	if n := app.sim.CallCount("monitor_jobqueue_count"); n != calls {
		t.Fatalf("page views read the queue: %d calls", n-calls)
	}

	// The queue is read while it still holds the change: still applying.
	app.checkQueues()
	if status, _ := siteStatus(t, b, id); !strings.Contains(status, `data-testid="applying"`) {
		t.Fatalf("still queued: status %q, want applying", status)
	}
	// The servers apply part of the queue, others write meanwhile: a count that drops but isn't 0 proves nothing.
	if _, err := app.isp.AddDomain(context.Background(), *c.ISPClientID, "someone-else.test"); err != nil {
		t.Fatal(err)
	}
	if left := app.sim.AdvanceQueue(1); left == 0 {
		t.Fatalf("queue empty after applying one of two changes")
	}
	app.checkQueues()
	if status, _ := siteStatus(t, b, id); !strings.Contains(status, `data-testid="applying"`) {
		t.Fatalf("queue not empty: status %q, want applying", status)
	}
	// The servers catch up: the next reading finds the queue empty, and the site is active.
	if left := app.sim.AdvanceQueue(0); left != 0 {
		t.Fatalf("queue left %d", left)
	}
	app.checkQueues()
	status, body = siteStatus(t, b, id)
	if strings.Contains(status, `data-testid="applying"`) || !strings.Contains(status, "active") {
		t.Fatalf("after the queue emptied: status %q, want active", status)
	}

	// A change goes through the same: applying, then active again once the queue is seen empty after it.
	f := url.Values{"php": {"php-fpm"}, "quota_mb": {"800"}, "traffic_mb": {"-1"}}
	if resp := b.post("/sites/"+idString(id), f); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("update: %d %.500s", resp.StatusCode, resp.body)
	}
	if status, _ := siteStatus(t, b, id); !strings.Contains(status, `data-testid="applying"`) {
		t.Fatalf("after a change: status %q, want applying", status)
	}
	app.sim.AdvanceQueue(0)
	app.checkQueues()
	if status, _ := siteStatus(t, b, id); strings.Contains(status, `data-testid="applying"`) {
		t.Fatalf("after the change was applied: status %q", status)
	}

	// A suspension disables the site in ISPConfig: applying until the server has that too.
	if err := app.tenancy.SetSuspended(context.Background(), c.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	admin := app.browser()
	app.account("admin@example.com", store.RoleAdmin, pw)
	admin.mustLogin("admin@example.com", pw, "/admin")
	if status, _ := siteStatus(t, admin, id); !strings.Contains(status, `data-testid="applying"`) {
		t.Fatalf("after a suspension: status %q, want applying", status)
	}
	app.sim.AdvanceQueue(0)
	app.checkQueues()
	if status, _ := siteStatus(t, admin, id); strings.Contains(status, `data-testid="applying"`) {
		t.Fatalf("after the suspension was applied: status %q", status)
	}
}

// TestApplying_MailFollowsTheMailServersQueue: mail domains, mailboxes and forwards show applying the same way.
func TestApplying_MailFollowsTheMailServersQueue(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	app.checkQueues()
	app.sim.HoldQueue(true)
	if r := b.post("/mail", url.Values{"domain": {"queued-mail.test"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create mail domain: %d %.300s", r.StatusCode, r.body)
	}
	id := app.mailDomainID("queued-mail.test")
	if r := b.post(mailPath("/mail/%d/mailboxes", id), url.Values{"local": {"info"}, "name": {"Info"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"100"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("create mailbox: %d %.300s", r.StatusCode, r.body)
	}
	page := b.get(mailPath("/mail/%d", id))
	if !strings.Contains(page.body, `data-testid="mail-domain-state">applying`) || !strings.Contains(page.body, `data-testid="mailbox-state">applying`) {
		t.Fatalf("mail while queued: %.3000s", page.body)
	}
	app.checkQueues()
	app.sim.AdvanceQueue(0)
	app.checkQueues()
	page = b.get(mailPath("/mail/%d", id))
	if strings.Contains(page.body, `>applying`) || !strings.Contains(page.body, `data-testid="mail-domain-state">active`) ||
		!strings.Contains(page.body, `data-testid="mailbox-state">active`) {
		t.Fatalf("mail after the queue emptied: %.3000s", page.body)
	}
}

// TestApplying_QueueNotReadable: without the Monitor functions permission the job records why, makes no other
// call, and pages keep the sentence about the delay instead of claiming a state they can't know.
func TestApplying_QueueNotReadable(t *testing.T) {
	app := newApp(t)
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	app.customer(store.RoleClient, &r, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	app.checkQueues()
	app.sim.AddRemoteUser("portal", "sim-secret", ispsim.PortalFunctions) // no Monitor functions
	app.sim.ExpireSessions()
	app.sim.HoldQueue(true)
	app.checkQueues()
	var reason string
	if err := app.pool.QueryRow(context.Background(), `SELECT error FROM server_queues WHERE platform_id = $1`, app.platform.ID).Scan(&reason); err != nil || reason != "permission" {
		t.Fatalf("recorded reason %q (%v), want permission", reason, err)
	}
	id := createdID(t, b.post("/sites", siteForm("unseen.test")), "/sites/")
	status, body := siteStatus(t, b, id)
	if strings.Contains(status, `data-testid="applying"`) || !strings.Contains(body, views.ApplyDelayNote) {
		t.Fatalf("queue unreadable: status %q, want no applying and the delay sentence", status)
	}
}

// TestApplying_PeriodicJob: the river job reads the queue by itself.
func TestApplying_PeriodicJob(t *testing.T) {
	app := newApp(t)
	app.tenancy.QueueEvery = time.Hour // runs on start
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
		ok, err := store.NewQueues(app.pool).Readable(ctx, app.platform.ID, app.platform.WebServerID)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the periodic job did not read the queue")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
