package tenancy_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

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

func clientWithObjects(t *testing.T, e *testenv.Env, c store.Customer, tag string) clientObjects {
	t.Helper()
	ctx := context.Background()
	me := e.As(c)
	var o clientObjects
	var err error
	if o.siteOff, err = newSite(e, c, "off-"+tag+strconv.FormatInt(c.ID, 10)+".example.test"); err != nil {
		t.Fatal(err)
	}
	if err := e.Host.SetSiteActive(ctx, me, o.siteOff, false); err != nil {
		t.Fatal(err)
	}
	if o.domainOn, err = e.Host.CreateMailDomain(ctx, me, hosting.NewMailDomain{Domain: "mail-" + tag + strconv.FormatInt(c.ID, 10) + ".example.test"}); err != nil {
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

// assertAsRecorded checks, through ISPConfig's API (so it holds against the real panel too), that ISPConfig has
// what the portal recorded: the site and forward off, the rest on.
func (o clientObjects) assertAsRecorded(t *testing.T, e *testenv.Env, when string) {
	t.Helper()
	ctx := context.Background()
	w, err1 := e.ISP.GetWebDomain(ctx, int64(o.siteISP))
	d, err2 := e.ISP.GetMailDomain(ctx, int64(o.domainISP))
	m, err3 := e.ISP.GetMailUser(ctx, int64(o.mailboxISP))
	f, err4 := e.ISP.GetMailForward(ctx, int64(o.fwdOffISP))
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	for _, c := range []struct {
		what      string
		got, want bool
	}{{"site active", bool(w.Active), false}, {"mail domain active", bool(d.Active), true},
		{"mailbox receives (postfix)", bool(m.Postfix), true}, {"mailbox SMTP disabled", bool(m.DisableSMTP), false},
		{"forward active", bool(f.Active), false}} {
		if c.got != c.want {
			t.Errorf("%s: %s = %v, want %v", when, c.what, c.got, c.want)
		}
	}
}

func TestClientUpdate_UnlockedClientKeepsWhatItSwitchedOff(t *testing.T) {
	unlockedKeepsSwitches(t, testenv.New(t), "")
}

func TestClientUpdate_WhileSuspendedThenUnsuspendRestoresEverything(t *testing.T) {
	suspendedUpdateRestores(t, testenv.New(t), "")
}

// TestClientLockPeer runs both scenarios against the real ISPConfig peer (scripts/peer-checks.sh, inside
// scripts/with-peer.sh, as make conformance-peer and CI do): the behaviour they guard against is ISPConfig's own.
func TestClientLockPeer(t *testing.T) {
	url := os.Getenv("ISPCONFIG_PEER_URL")
	if url == "" {
		t.Skip("ISPCONFIG_PEER_URL not set: runs against the ISPConfig peer in make conformance-peer")
	}
	peer := func(t *testing.T) *testenv.Env {
		return testenv.New(t, func(o *testenv.Options) { o.URL, o.User, o.Password = url, "peerportal", "PeerPortal-Pass-2021" })
	}
	tag := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)
	t.Run("unlocked", func(t *testing.T) { unlockedKeepsSwitches(t, peer(t), "u"+tag) })
	t.Run("suspended", func(t *testing.T) { suspendedUpdateRestores(t, peer(t), "s"+tag) })
}

func unlockedKeepsSwitches(t *testing.T, e *testenv.Env, tag string) {
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r"+tag+"@example.test")
	c := e.Customer(store.RoleClient, &r, "c"+tag+"@example.test")
	o := clientWithObjects(t, e, c, tag)
	o.assertAsRecorded(t, e, "before")

	if err := e.Ten.UpdateContact(ctx, c.ID, "New Name", "ACME", c.Email); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after a contact change")

	up := e.Plan(&r, store.RoleClient, "bigger"+tag, testenv.Unlimited)
	if err := e.Ten.ChangePlan(ctx, c.ID, up.ID); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after a plan change")

	if err := e.Ten.SyncPlanLimits(ctx, up.ID); err != nil {
		t.Fatal(err)
	}
	o.assertAsRecorded(t, e, "after the plan's limits were synced")
}

func suspendedUpdateRestores(t *testing.T, e *testenv.Env, tag string) {
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r"+tag+"@example.test")
	plan := e.Plan(&r, store.RoleClient, "plan"+tag, testenv.Unlimited)
	c := e.Customer(store.RoleClient, &r, "c"+tag+"@example.test", plan)
	o := clientWithObjects(t, e, c, tag)

	if err := e.Ten.SetSuspended(ctx, c.ID, true, store.SuspendedByAdmin); err != nil {
		t.Fatal(err)
	}
	if m, err := e.ISP.GetMailUser(ctx, int64(o.mailboxISP)); err != nil || bool(m.Postfix) {
		t.Fatalf("suspended: mailbox receives %v (%v), want off", m.Postfix, err)
	}
	// Changes ISPConfig sees while the client is locked.
	if err := e.Ten.UpdateContact(ctx, c.ID, "Renamed While Suspended", "", c.Email); err != nil {
		t.Fatal(err)
	}
	if err := e.Ten.SyncPlanLimits(ctx, plan.ID); err != nil {
		t.Fatal(err)
	}
	if d, err := e.ISP.GetMailDomain(ctx, int64(o.domainISP)); err != nil || bool(d.Active) {
		t.Fatalf("still suspended after the updates: mail domain active %v (%v)", d.Active, err)
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
	o := clientWithObjects(t, e, c, "")

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
