package hosting_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
)

// wantField fails unless err is a field error on field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	fields := fail.FieldsOf(err)
	if fields == nil || fields[field].Format == "" {
		t.Fatalf("%s: got %v, want a field error on %s", what, err, field)
	}
}

func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	e, ok := fail.As(err)
	if !ok || e.Status != status {
		t.Fatalf("%s: got %v, want a %d", what, err, status)
	}
}

func TestMail_CreateEveryKind(t *testing.T) {
	e := newEnv(t)
	res := e.reseller("res1", nil)
	cli := e.client(&res, "cli1", nil)

	// A reseller creates a mail domain for its client; a client creates in it.
	md, err := e.svc.CreateMailDomain(e.ctx, res.actor, hosting.NewMailDomain{Customer: strconv.FormatInt(cli.ID, 10), Domain: "Mail.Example.TEST"})
	if err != nil {
		t.Fatalf("create mail domain: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM mail_domains WHERE id = $1 AND customer_id = $2 AND state = 'active' AND isp_id IS NOT NULL AND domain = 'mail.example.test'`, md, cli.ID); n != 1 {
		t.Fatalf("active mail domain rows: %d, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM domain_claims WHERE name = 'mail.example.test' AND customer_id = $1`, cli.ID); n != 1 {
		t.Fatalf("claims on the mail domain: %d, want 1", n)
	}
	box, err := e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "info", Name: "Info", Password: "Sup3r-Secret-Pw", QuotaMB: "100"})
	if err != nil {
		t.Fatalf("create mailbox: %v", err)
	}
	alias, _, err := e.svc.CreateForward(e.ctx, cli.actor, md, hosting.NewForward{Kind: store.ForwardAlias, Local: "sales", MailboxID: strconv.FormatInt(box, 10)})
	if err != nil {
		t.Fatalf("create alias: %v", err)
	}
	if _, _, err := e.svc.CreateForward(e.ctx, cli.actor, md, hosting.NewForward{Kind: store.ForwardForward, Local: "team", Destination: "someone@elsewhere.test"}); err != nil {
		t.Fatalf("create forward: %v", err)
	}
	if _, _, err := e.svc.CreateForward(e.ctx, cli.actor, md, hosting.NewForward{Kind: store.ForwardCatchall, Destination: "info@mail.example.test"}); err != nil {
		t.Fatalf("create catch-all: %v", err)
	}
	if n := e.count(`SELECT count(*) FROM mail_forwards WHERE state = 'active' AND isp_id IS NOT NULL`); n != 3 {
		t.Fatalf("active forwardings: %d, want 3", n)
	}
	if n := len(e.sim.Rows("mail_forwarding")); n != 3 {
		t.Fatalf("simulator forwardings: %d, want 3", n)
	}
	if n := len(e.sim.Rows("mail_user")); n != 1 {
		t.Fatalf("simulator mailboxes: %d, want 1", n)
	}

	// Changes: quota, password, toggles.
	m, err := e.svc.SetMailboxQuota(e.ctx, cli.actor, box, "250")
	if err != nil || m.QuotaMB != 250 {
		t.Fatalf("quota: %v (%d MB)", err, m.QuotaMB)
	}
	if err := e.svc.SetMailboxPassword(e.ctx, cli.actor, box, "An0ther-Secret-Pw"); err != nil {
		t.Fatalf("password: %v", err)
	}
	if fw, err := e.svc.SetForwardActive(e.ctx, cli.actor, alias, false); err != nil || fw.Active {
		t.Fatalf("disable alias: %v (active %v)", err, fw.Active)
	}
	if err := e.svc.SetMailDomainActive(e.ctx, cli.actor, md, false); err != nil {
		t.Fatalf("disable domain: %v", err)
	}

	// A mailbox an alias delivers to stays; the domain goes only with cascade, then with everything in it.
	wantStatus(t, "delete aliased mailbox", e.svc.DeleteMailbox(e.ctx, cli.actor, box), http.StatusConflict)
	e.sim.ResetCalls()
	wantStatus(t, "delete without cascade", e.svc.DeleteMailDomain(e.ctx, cli.actor, md, false), http.StatusConflict)
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls for a refused delete: %d", n)
	}
	if err := e.svc.DeleteMailDomain(e.ctx, cli.actor, md, true); err != nil {
		t.Fatalf("cascade delete: %v", err)
	}
	for _, tbl := range []string{"mail_domains", "mailboxes", "mail_forwards"} {
		if n := e.count(`SELECT count(*) FROM ` + tbl); n != 0 {
			t.Fatalf("%s rows after the cascade: %d", tbl, n)
		}
	}
	for _, tbl := range []string{"mail_domain", "mail_user", "mail_forwarding"} {
		if n := len(e.sim.Rows(tbl)); n != 0 {
			t.Fatalf("simulator %s rows after the cascade: %d", tbl, n)
		}
	}
	if n := e.count(`SELECT count(*) FROM domain_claims WHERE name = 'mail.example.test'`); n != 0 {
		t.Fatalf("claim left after the delete: %d", n)
	}
}

func TestMail_LimitsRefusedWithoutCalls(t *testing.T) {
	e := newEnv(t)
	l := unlimited
	l.MaxMailDomains, l.MaxMailboxes, l.MaxMailAliases, l.MaxMailQuotaMB = 1, 1, 0, 100
	res := e.reseller("res2", nil)
	cli := e.client(&res, "cli2", &l)
	md, err := e.svc.CreateMailDomain(e.ctx, cli.actor, hosting.NewMailDomain{Domain: "one.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCalls()
	_, err = e.svc.CreateMailDomain(e.ctx, cli.actor, hosting.NewMailDomain{Domain: "two.test"})
	wantField(t, "second mail domain", err, "domain")
	_, err = e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "a", Password: "Sup3r-Secret-Pw", QuotaMB: "101"})
	wantField(t, "over the total quota", err, "quota_mb")
	_, err = e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "a", Password: "Sup3r-Secret-Pw", QuotaMB: "0"})
	wantField(t, "unlimited mailbox on a limited total", err, "quota_mb")
	_, _, err = e.svc.CreateForward(e.ctx, cli.actor, md, hosting.NewForward{Kind: store.ForwardForward, Local: "x", Destination: "a@b.test"})
	wantField(t, "no aliases in the plan", err, "local")
	_, err = e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "a+b", Password: "short", QuotaMB: "-1"})
	for _, f := range []string{"local", "password", "quota_mb"} {
		wantField(t, "bad input", err, f)
	}
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls for refused creates: %d, want 0", n)
	}
	if n := e.count(`SELECT count(*) FROM mailboxes`) + e.count(`SELECT count(*) FROM mail_forwards`) + e.count(`SELECT count(*) FROM mail_domains`); n != 1 {
		t.Fatalf("rows after refused creates: %d, want the one domain", n)
	}

	// The mailbox count of the reseller's plan binds its clients together.
	rl := unlimited
	rl.MaxMailboxes = 1
	res3 := e.reseller("res3", &rl)
	a, b := e.client(&res3, "cli3a", nil), e.client(&res3, "cli3b", nil)
	mda, err := e.svc.CreateMailDomain(e.ctx, a.actor, hosting.NewMailDomain{Domain: "a.test"})
	if err != nil {
		t.Fatal(err)
	}
	mdb, err := e.svc.CreateMailDomain(e.ctx, b.actor, hosting.NewMailDomain{Domain: "b.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateMailbox(e.ctx, a.actor, mda, hosting.NewMailbox{Local: "x", Password: "Sup3r-Secret-Pw", QuotaMB: "10"}); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCalls()
	_, err = e.svc.CreateMailbox(e.ctx, b.actor, mdb, hosting.NewMailbox{Local: "x", Password: "Sup3r-Secret-Pw", QuotaMB: "10"})
	wantField(t, "reseller's mailbox limit", err, "local")
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: %d, want 0", n)
	}
}

func TestMail_DomainClaimedByAnotherCustomer(t *testing.T) {
	e := newEnv(t)
	res := e.reseller("res4", nil)
	one, two := e.client(&res, "cli4a", nil), e.client(&res, "cli4b", nil)
	if _, err := e.svc.CreateSite(e.ctx, one.actor, hosting.NewSite{Domain: "taken.test", Active: true,
		SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}}); err != nil {
		t.Fatalf("site: %v", err)
	}
	e.sim.ResetCalls()
	for _, d := range []string{"taken.test", "mail.taken.test"} {
		_, err := e.svc.CreateMailDomain(e.ctx, two.actor, hosting.NewMailDomain{Domain: d})
		wantField(t, d, err, "domain")
	}
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: %d, want 0", n)
	}
	if n := e.count(`SELECT count(*) FROM mail_domains`); n != 0 {
		t.Fatalf("mail domain rows: %d, want 0", n)
	}
	// The owner of the name may use it for mail too.
	if _, err := e.svc.CreateMailDomain(e.ctx, one.actor, hosting.NewMailDomain{Domain: "taken.test"}); err != nil {
		t.Fatalf("owner's mail domain: %v", err)
	}
}

func TestMail_DomainLimit(t *testing.T) {
	e := newEnv(t, withDomainLimit(false))
	res := e.reseller("res5", nil)
	cli := e.client(&res, "cli5", nil)
	if _, err := e.svc.CreateDomain(e.ctx, res.actor, strconv.FormatInt(cli.ID, 10), "allowed.test"); err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCalls()
	_, err := e.svc.CreateMailDomain(e.ctx, cli.actor, hosting.NewMailDomain{Domain: "elsewhere.test"})
	wantField(t, "not an allowed domain", err, "domain")
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: %d", n)
	}
	if _, err := e.svc.CreateMailDomain(e.ctx, cli.actor, hosting.NewMailDomain{Domain: "allowed.test"}); err != nil {
		t.Fatalf("allowed domain: %v", err)
	}
}

func TestMail_SuspendedRefused(t *testing.T) {
	e := newEnv(t)
	res := e.reseller("res6", nil)
	cli := e.client(&res, "cli6", nil)
	md, err := e.svc.CreateMailDomain(e.ctx, cli.actor, hosting.NewMailDomain{Domain: "susp.test"})
	if err != nil {
		t.Fatal(err)
	}
	box, err := e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "a", Password: "Sup3r-Secret-Pw", QuotaMB: "10"})
	if err != nil {
		t.Fatal(err)
	}
	e.suspend(res) // the reseller's suspension binds its clients
	e.sim.ResetCalls()
	_, err = e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "b", Password: "Sup3r-Secret-Pw", QuotaMB: "10"})
	wantStatus(t, "create", err, http.StatusForbidden)
	_, err = e.svc.SetMailboxQuota(e.ctx, cli.actor, box, "20")
	wantStatus(t, "quota", err, http.StatusForbidden)
	e.suspend(cli)
	wantStatus(t, "delete", e.svc.DeleteMailbox(e.ctx, cli.actor, box), http.StatusForbidden)
	wantStatus(t, "delete domain", e.svc.DeleteMailDomain(e.ctx, cli.actor, md, true), http.StatusForbidden)
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: %d, want 0", n)
	}
}

func TestMail_LostAnswerStaysPendingThenSettles(t *testing.T) {
	e := newEnv(t)
	res := e.reseller("res7", nil)
	cli := e.client(&res, "cli7", nil)
	md, err := e.svc.CreateMailDomain(e.ctx, cli.actor, hosting.NewMailDomain{Domain: "lost.test"})
	if err != nil {
		t.Fatal(err)
	}
	// The add runs, its answer is lost, and the look-up afterwards fails too.
	e.sim.SetFault("mail_user_add", ispsim.Fault{Kind: ispsim.FaultHTTP500, After: true, Times: 1})
	e.sim.SetFault("mail_user_get", ispsim.Fault{Kind: ispsim.FaultDown, Times: 1})
	id, err := e.svc.CreateMailbox(e.ctx, cli.actor, md, hosting.NewMailbox{Local: "a", Password: "Sup3r-Secret-Pw", QuotaMB: "10"})
	wantStatus(t, "lost answer", err, http.StatusBadGateway)
	if id == 0 || e.count(`SELECT count(*) FROM mailboxes WHERE id = $1 AND state = 'pending'`, id) != 1 {
		t.Fatalf("row %d after a lost answer: want it pending", id)
	}
	if err := e.svc.Settle(e.ctx, store.KindMailbox, id); err != nil {
		t.Fatalf("settle: %v", err)
	}
	if e.count(`SELECT count(*) FROM mailboxes WHERE id = $1 AND state = 'active' AND isp_id IS NOT NULL`, id) != 1 {
		t.Fatal("settled mailbox not active")
	}

	// A refusal leaves nothing.
	e.sim.ClearFaults()
	_, err = e.svc.CreateMailbox(e.ctx, cli.actor, 0, hosting.NewMailbox{Local: "b", Password: "Sup3r-Secret-Pw", QuotaMB: "10"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown domain: %v", err)
	}
}

func TestMail_CrossTenantAndPublicPassword(t *testing.T) {
	e := newEnv(t)
	r1, r2 := e.reseller("res8", nil), e.reseller("res9", nil)
	mine, theirs := e.client(&r1, "cli8", nil), e.client(&r2, "cli9", nil)
	md, err := e.svc.CreateMailDomain(e.ctx, mine.actor, hosting.NewMailDomain{Domain: "mine.test"})
	if err != nil {
		t.Fatal(err)
	}
	box, err := e.svc.CreateMailbox(e.ctx, mine.actor, md, hosting.NewMailbox{Local: "me", Password: "Sup3r-Secret-Pw", QuotaMB: "10"})
	if err != nil {
		t.Fatal(err)
	}
	omd, err := e.svc.CreateMailDomain(e.ctx, theirs.actor, hosting.NewMailDomain{Domain: "theirs.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.ResetCalls()
	// Another tenant's objects are not found, even when a caller forgot the ownership check.
	if _, _, err := e.svc.CreateForward(e.ctx, theirs.actor, omd, hosting.NewForward{Kind: store.ForwardAlias, Local: "steal", MailboxID: strconv.FormatInt(box, 10)}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("alias to a foreign mailbox: %v, want not found", err)
	}
	if err := e.svc.SetMailboxPassword(e.ctx, theirs.actor, box, "Other-Secret-Pw1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("foreign password change: %v, want not found", err)
	}
	if err := e.svc.DeleteMailDomain(e.ctx, r2.actor, md, true); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("foreign delete: %v, want not found", err)
	}
	if n := e.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: %d, want 0", n)
	}

	// The public change: wrong or unknown gives the one error; the right password changes it.
	var mpe *hosting.MailboxPasswordError
	if _, err := e.svc.ChangeMailboxPassword(e.ctx, pwChange("me@mine.test", "wrong", "Brand-New-Pass-1")); !errors.As(err, &mpe) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := e.svc.ChangeMailboxPassword(e.ctx, pwChange("nobody@mine.test", "x", "Brand-New-Pass-1")); !errors.As(err, &mpe) {
		t.Fatalf("unknown mailbox: %v", err)
	}
	if id, err := e.svc.ChangeMailboxPassword(e.ctx, pwChange("Me@Mine.test", "Sup3r-Secret-Pw", "Brand-New-Pass-1")); err != nil || id != box {
		t.Fatalf("right password: id %d, %v", id, err)
	}
	if _, err := e.svc.ChangeMailboxPassword(e.ctx, pwChange("me@mine.test", "Brand-New-Pass-1", "Brand-New-Pass-2")); err != nil {
		t.Fatalf("the new password does not verify: %v", err)
	}
	// A suspended owner's mailbox can't change it.
	e.suspend(mine)
	if _, err := e.svc.ChangeMailboxPassword(e.ctx, pwChange("me@mine.test", "Brand-New-Pass-2", "Brand-New-Pass-3")); !errors.As(err, &mpe) {
		t.Fatalf("suspended owner: %v", err)
	}
}

func pwChange(email, current, newPassword string) hosting.MailboxPasswordChange {
	return hosting.MailboxPasswordChange{Email: email, Current: current, New: newPassword, MaxFailures: 5,
		LockFor: 15 * time.Minute, Now: time.Now()}
}
