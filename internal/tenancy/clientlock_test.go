package tenancy_test

import (
	"context"
	"strconv"
	"testing"

	"portal/internal/hosting"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
	"portal/internal/testenv"
)

// ISPConfig's client_update runs its lock routine on every update of a client (ispsim/lock.go, from the differential
// corpus against a real ISPConfig): an unlocked client gets every site, mail domain, mailbox and forward switched on
// again, and a locked one has its remembered states overwritten with "all off", so unlocking it later switched
// nothing back on. The portal's record of what is on must win in both cases.

type clientObjects struct {
	siteOff, domainOn     int64 // a site the client switched off, a mail domain left on
	mailbox, forwardOff   int64
	siteISP, domainISP    int
	mailboxISP, fwdOffISP int
}

func clientWithObjects(t *testing.T, e *testenv.Env, c store.Customer) clientObjects {
	t.Helper()
	ctx := context.Background()
	me := e.As(c)
	var o clientObjects
	var err error
	if o.siteOff, err = newSite(e, c, "off-"+strconv.FormatInt(c.ID, 10)+".example.test"); err != nil {
		t.Fatal(err)
	}
	if err := e.Host.SetSiteActive(ctx, me, o.siteOff, false); err != nil {
		t.Fatal(err)
	}
	if o.domainOn, err = e.Host.CreateMailDomain(ctx, me, hosting.NewMailDomain{Domain: "mail-" + strconv.FormatInt(c.ID, 10) + ".example.test"}); err != nil {
		t.Fatal(err)
	}
	if o.mailbox, err = e.Host.CreateMailbox(ctx, me, o.domainOn, hosting.NewMailbox{Local: "info", Name: "Info", Password: "correct horse battery", QuotaMB: "100"}); err != nil {
		t.Fatal(err)
	}
	if o.forwardOff, _, err = e.Host.CreateForward(ctx, me, o.domainOn, hosting.NewForward{Kind: store.ForwardForward, Local: "sales", Destination: "someone@example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Host.SetForwardActive(ctx, me, o.forwardOff, false); err != nil {
		t.Fatal(err)
	}
	isp := func(table string, id int64) int {
		var v int
		if err := e.Pool.QueryRow(ctx, `SELECT isp_id FROM `+table+` WHERE id = $1`, id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	o.siteISP, o.domainISP = isp("sites", o.siteOff), isp("mail_domains", o.domainOn)
	o.mailboxISP, o.fwdOffISP = isp("mailboxes", o.mailbox), isp("mail_forwards", o.forwardOff)
	return o
}

// assertAsRecorded checks ISPConfig has what the portal recorded: the site and forward off, the rest on.
func (o clientObjects) assertAsRecorded(t *testing.T, e *testenv.Env, when string) {
	t.Helper()
	check := func(table string, id int, col, want string) {
		if got := e.Sim.Row(table, id)[col]; got != want {
			t.Errorf("%s: %s %d %s = %q, want %q", when, table, id, col, got, want)
		}
	}
	check("web_domain", o.siteISP, "active", "n")
	check("mail_domain", o.domainISP, "active", "y")
	check("mail_user", o.mailboxISP, "postfix", "y")
	check("mail_user", o.mailboxISP, "disablesmtp", "n")
	check("mail_forwarding", o.fwdOffISP, "active", "n")
}

func TestClientUpdate_UnlockedClientKeepsWhatItSwitchedOff(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")
	o := clientWithObjects(t, e, c)
	o.assertAsRecorded(t, e, "before")

	if err := e.Ten.UpdateContact(ctx, c.ID, "New Name", "ACME", c.Email); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after a contact change")

	up := e.Plan(&r, store.RoleClient, "bigger", testenv.Unlimited)
	if err := e.Ten.ChangePlan(ctx, c.ID, up.ID); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after a plan change")

	if err := e.Ten.SyncPlanLimits(ctx, up.ID); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after the plan's limits were synced")
}

func TestClientUpdate_WhileSuspendedThenUnsuspendRestoresEverything(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	plan := e.Plan(&r, store.RoleClient, "plan", testenv.Unlimited)
	c := e.Customer(store.RoleClient, &r, "c@example.test", plan)
	o := clientWithObjects(t, e, c)

	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if got := e.Sim.Row("mail_user", o.mailboxISP)["postfix"]; got != "n" {
		t.Fatalf("suspended: mailbox postfix %q, want n", got)
	}
	// Changes ISPConfig sees while the client is locked.
	if err := e.Ten.UpdateContact(ctx, c.ID, "Renamed While Suspended", "", c.Email); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SyncPlanLimits(ctx, plan.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.Sim.Row("web_domain", o.siteISP)["active"]; got != "n" {
		t.Fatalf("still suspended after the updates: site active %q", got)
	}
	if got := e.Sim.Row("mail_domain", o.domainISP)["active"]; got != "n" {
		t.Fatalf("still suspended after the updates: mail domain active %q", got)
	}
	if err := e.Ten.SetSuspended(ctx, c.ID, false, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after unsuspending")
}

// When ISPConfig fails while the objects are being put back, the client update still stands and a durable job
// finishes putting them back.
func TestClientUpdate_ReconcileFailureLeavesAJobThatFinishesIt(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")
	o := clientWithObjects(t, e, c)

	e.Sim.SetFault("sites_web_domain_get", ispsim.Fault{Kind: ispsim.FaultDown})
	if err := e.Ten.UpdateContact(ctx, c.ID, "Renamed", "", c.Email); err != nil {
		t.Fatalf("contact change with the reconcile failing: %v", err)
	}
	e.Sim.ClearFaults()
	if got := e.Reload(c); got.Name != "Renamed" {
		t.Fatalf("the contact change was not recorded: %q", got.Name)
	}
	if got := e.Sim.Row("web_domain", o.siteISP)["active"]; got != "y" {
		t.Fatalf("site active %q: the fault did not hit the reconcile, so this test proves nothing", got)
	}
	if n := e.Count(`SELECT count(*) FROM river_job WHERE kind = 'reconcile_objects' AND args->>'customer_id' = $1`, strconv.FormatInt(c.ID, 10)); n != 1 {
		t.Fatalf("reconcile jobs queued: %d, want 1", n)
	}
	if err := e.Ten.Reconcile(ctx, c.ID); err != nil { // what the job runs
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after the job")
}
