package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// mailWorld is a reseller with one client, each signed in, plus a second reseller's client.
type mailWorld struct {
	app               *testApp
	reseller, client  store.Customer
	other             store.Customer // a client of another reseller
	rb, cb, ob, admin *browser
}

func newMailWorld(t *testing.T, opts ...appOption) *mailWorld {
	t.Helper()
	app := newApp(t, opts...)
	w := &mailWorld{app: app}
	w.reseller = app.customer(store.RoleReseller, nil, "res@example.com")
	w.client = app.customer(store.RoleClient, &w.reseller, "cli@example.com")
	r2 := app.customer(store.RoleReseller, nil, "res2@example.com")
	w.other = app.customer(store.RoleClient, &r2, "other@example.com")
	w.rb, w.cb, w.ob, w.admin = app.browser(), app.browser(), app.browser(), app.browser()
	w.rb.mustLogin("res@example.com", pw, "/reseller")
	w.cb.mustLogin("cli@example.com", pw, "/client")
	w.ob.mustLogin("other@example.com", pw, "/client")
	app.account("admin@example.com", store.RoleAdmin, pw)
	w.admin.mustLogin("admin@example.com", pw, "/admin")
	return w
}

func (a *testApp) mailCount(q string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

func (a *testApp) mailDomainID(domain string) int64 {
	a.t.Helper()
	var id int64
	if err := a.pool.QueryRow(context.Background(), `SELECT id FROM mail_domains WHERE domain = $1`, domain).Scan(&id); err != nil {
		a.t.Fatalf("mail domain %s: %v", domain, err)
	}
	return id
}

func mailWantStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s: status %d, want %d; body: %.600s", what, r.StatusCode, want, r.body)
	}
}

func mailPath(format string, id int64) string {
	return strings.Replace(format, "%d", strconv.FormatInt(id, 10), 1)
}

func TestMail_ClientEndToEnd(t *testing.T) {
	w := newMailWorld(t)
	app, b := w.app, w.cb

	r := b.post("/mail", url.Values{"domain": {"Example-Mail.TEST"}})
	mailWantStatus(t, "create domain", r, http.StatusSeeOther)
	id := app.mailDomainID("example-mail.test")
	if loc := r.Header.Get("Location"); loc != mailPath("/mail/%d", id) {
		t.Fatalf("location %q, want /mail/%d", loc, id)
	}
	if n := app.mailCount(`SELECT count(*) FROM mail_domains WHERE id = $1 AND state = 'active' AND isp_id IS NOT NULL AND customer_id = $2`, id, w.client.ID); n != 1 {
		t.Fatalf("active mail domain rows: got %d, want 1", n)
	}
	if n := app.simRowsWhere("mail_domain", "domain", "example-mail.test"); n != 1 {
		t.Fatalf("simulator mail domains: got %d, want 1", n)
	}
	page := b.get(mailPath("/mail/%d", id))
	mailWantStatus(t, "show", page, http.StatusOK)
	if !strings.Contains(page.body, `data-testid="mail-delay-note"`) || !strings.Contains(page.body, "Mail domain example-mail.test added") {
		t.Fatalf("show page lacks the delay note or flash: %.500s", page.body)
	}

	// Mailbox.
	r = b.post(mailPath("/mail/%d/mailboxes", id), url.Values{"local": {"Info"}, "name": {"Info"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"100"}})
	mailWantStatus(t, "create mailbox", r, http.StatusSeeOther)
	var boxID int64
	var boxISP int
	if err := app.pool.QueryRow(context.Background(), `SELECT id, isp_id FROM mailboxes WHERE email = 'info@example-mail.test' AND state = 'active'`).Scan(&boxID, &boxISP); err != nil {
		t.Fatalf("mailbox row: %v", err)
	}
	row := app.sim.Row("mail_user", boxISP)
	if row["quota"] != strconv.Itoa(100<<20) || row["postfix"] != "y" || row["login"] != "info@example-mail.test" || row["maildir"] != "/var/vmail/example-mail.test/info" {
		t.Fatalf("simulator mailbox %v: want quota %d, postfix y, login and maildir set", row, 100<<20)
	}
	if !ispapi.VerifyMailPassword("Sup3r-Secret-Pw", row["password"]) {
		t.Fatalf("stored hash %q does not verify the password", row["password"])
	}

	// Quota change, in place for htmx.
	b.hdrs["HX-Request"] = "true"
	r = b.post(mailPath("/mail/mailboxes/%d/quota", boxID), url.Values{"quota_mb": {"250"}})
	delete(b.hdrs, "HX-Request")
	mailWantStatus(t, "quota", r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="mailbox-row"`) || !strings.Contains(r.body, "250 MB") {
		t.Fatalf("quota fragment: %.400s", r.body)
	}
	if got := app.sim.Row("mail_user", boxISP)["quota"]; got != strconv.Itoa(250<<20) {
		t.Fatalf("simulator quota %s, want %d", got, 250<<20)
	}

	// Password change.
	r = b.post(mailPath("/mail/mailboxes/%d/password", boxID), url.Values{"password": {"An0ther-Secret-Pw"}})
	mailWantStatus(t, "password", r, http.StatusSeeOther)
	if !ispapi.VerifyMailPassword("An0ther-Secret-Pw", app.sim.Row("mail_user", boxISP)["password"]) {
		t.Fatal("new mailbox password not stored")
	}

	// Alias → the mailbox, forward, catch-all.
	r = b.post(mailPath("/mail/%d/forwards", id), url.Values{"kind": {"alias"}, "local": {"sales"}, "mailbox_id": {strconv.FormatInt(boxID, 10)}})
	mailWantStatus(t, "alias", r, http.StatusSeeOther)
	r = b.post(mailPath("/mail/%d/forwards", id), url.Values{"kind": {"forward"}, "local": {"team"}, "destination": {"someone@elsewhere.test"}})
	mailWantStatus(t, "forward", r, http.StatusSeeOther)
	r = b.post(mailPath("/mail/%d/forwards", id), url.Values{"kind": {"catchall"}, "destination": {"info@example-mail.test"}})
	mailWantStatus(t, "catch-all", r, http.StatusSeeOther)
	for typ, src := range map[string]string{"alias": "sales@example-mail.test", "forward": "team@example-mail.test", "catchall": "@example-mail.test"} {
		n := 0
		for _, row := range app.sim.Rows("mail_forwarding") {
			if row["type"] == typ && row["source"] == src && row["active"] == "y" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("simulator %s %s: got %d, want 1", typ, src, n)
		}
	}

	// Duplicates and collisions are refused before ISPConfig is called.
	app.sim.ResetCalls()
	for name, form := range map[string]url.Values{
		"duplicate alias":     {"kind": {"alias"}, "local": {"sales"}, "mailbox_id": {strconv.FormatInt(boxID, 10)}},
		"alias on mailbox":    {"kind": {"alias"}, "local": {"info"}, "mailbox_id": {strconv.FormatInt(boxID, 10)}},
		"forward on mailbox":  {"kind": {"forward"}, "local": {"info"}, "destination": {"x@elsewhere.test"}},
		"second catch-all":    {"kind": {"catchall"}, "destination": {"x@elsewhere.test"}},
		"plus address":        {"kind": {"forward"}, "local": {"a+b"}, "destination": {"x@elsewhere.test"}},
		"bad destination":     {"kind": {"forward"}, "local": {"ok"}, "destination": {"not-an-address"}},
		"alias without a box": {"kind": {"alias"}, "local": {"ok"}},
	} {
		r := b.post(mailPath("/mail/%d/forwards", id), form)
		mailWantStatus(t, name, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `class="field-error"`) {
			t.Fatalf("%s: no inline error: %.400s", name, r.body)
		}
	}
	r = b.post(mailPath("/mail/%d/mailboxes", id), url.Values{"local": {"sales"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"10"}})
	mailWantStatus(t, "mailbox on alias address", r, http.StatusUnprocessableEntity)
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls for refused input: got %d, want 0", n)
	}

	// Disable the domain in place.
	b.hdrs["HX-Request"] = "true"
	r = b.post(mailPath("/mail/%d/active", id), url.Values{"active": {"no"}})
	delete(b.hdrs, "HX-Request")
	mailWantStatus(t, "disable", r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="mail-domain-enable"`) {
		t.Fatalf("disabled row should offer Enable: %.400s", r.body)
	}
	if got := app.sim.Rows("mail_domain")[0]["active"]; got != "n" {
		t.Fatalf("simulator active %q, want n", got)
	}

	// A mailbox that an alias delivers to can't be deleted.
	r = b.post(mailPath("/mail/mailboxes/%d/delete", boxID), url.Values{"confirm": {"yes"}})
	mailWantStatus(t, "delete aliased mailbox", r, http.StatusConflict)

	// Delete: the confirmation step, refusal without cascade, then the cascade.
	r = b.post(mailPath("/mail/%d/delete", id), nil)
	mailWantStatus(t, "confirm step", r, http.StatusOK)
	if !strings.Contains(r.body, `data-testid="mail-confirm-cascade"`) {
		t.Fatalf("confirmation should offer the cascade: %.400s", r.body)
	}
	app.sim.ResetCalls()
	r = b.post(mailPath("/mail/%d/delete", id), url.Values{"confirm": {"yes"}})
	mailWantStatus(t, "delete without cascade", r, http.StatusConflict)
	if n := app.sim.CallCount(); n != 0 || app.mailCount(`SELECT count(*) FROM mail_domains WHERE id = $1 AND state = 'active'`, id) != 1 {
		t.Fatalf("refused delete: %d calls, domain changed", n)
	}
	r = b.post(mailPath("/mail/%d/delete", id), url.Values{"confirm": {"yes"}, "cascade": {"yes"}})
	mailWantStatus(t, "delete with cascade", r, http.StatusSeeOther)
	for _, tbl := range []string{"mail_domains", "mailboxes", "mail_forwards"} {
		if n := app.mailCount(`SELECT count(*) FROM ` + tbl); n != 0 {
			t.Fatalf("%s rows after cascade: %d, want 0", tbl, n)
		}
	}
	for _, tbl := range []string{"mail_domain", "mail_user", "mail_forwarding"} {
		if n := len(app.sim.Rows(tbl)); n != 0 {
			t.Fatalf("simulator %s rows after cascade: %d, want 0", tbl, n)
		}
	}
	if app.auditCount("mail_domain.delete", store.OutcomeSuccess) != 1 || app.auditCount("mailbox.create", store.OutcomeSuccess) != 1 {
		t.Fatal("writes not audited")
	}
}

func TestMail_ResellerAndAdminChooseClient(t *testing.T) {
	w := newMailWorld(t)
	app := w.app
	r := w.rb.post("/mail", url.Values{"domain": {"res-made.test"}, "customer_id": {strconv.FormatInt(w.client.ID, 10)}})
	mailWantStatus(t, "reseller create", r, http.StatusSeeOther)
	r = w.admin.post("/mail", url.Values{"domain": {"admin-made.test"}, "customer_id": {strconv.FormatInt(w.other.ID, 10)}})
	mailWantStatus(t, "admin create", r, http.StatusSeeOther)
	if n := app.mailCount(`SELECT count(*) FROM mail_domains WHERE customer_id = $1 AND domain = 'res-made.test'`, w.client.ID); n != 1 {
		t.Fatalf("reseller-made domain rows: %d", n)
	}

	// Lists show each what its scope allows.
	if b := w.rb.get("/mail").body; !strings.Contains(b, "res-made.test") || strings.Contains(b, "admin-made.test") {
		t.Fatalf("reseller list: %.600s", b)
	}
	if b := w.admin.get("/mail").body; !strings.Contains(b, "res-made.test") || !strings.Contains(b, "admin-made.test") {
		t.Fatal("admin list should show both")
	}
	if b := w.admin.get("/mail?q=admin").body; strings.Contains(b, "res-made.test") || !strings.Contains(b, "admin-made.test") {
		t.Fatal("filter did not narrow the list")
	}

	// A reseller naming another reseller's client, or itself, gets nothing done.
	app.sim.ResetCalls()
	// Like sites: another tenant's customer is just not one of the choices (422 on customer_id), and a client can't
	// name a customer at all (400).
	r = w.rb.post("/mail", url.Values{"domain": {"sneaky.test"}, "customer_id": {strconv.FormatInt(w.other.ID, 10)}})
	mailWantStatus(t, "foreign customer_id", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-customer_id"`) {
		t.Fatalf("foreign customer_id: no inline error: %.400s", r.body)
	}
	r = w.admin.post("/mail", url.Values{"domain": {"reseller-own.test"}, "customer_id": {strconv.FormatInt(w.reseller.ID, 10)}})
	mailWantStatus(t, "reseller as owner", r, http.StatusUnprocessableEntity)
	r = w.cb.post("/mail", url.Values{"domain": {"sneaky2.test"}, "customer_id": {strconv.FormatInt(w.other.ID, 10)}})
	mailWantStatus(t, "client naming another customer", r, http.StatusBadRequest)
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: got %d, want 0", n)
	}
}

func TestMail_OtherResellersClientGets404(t *testing.T) {
	w := newMailWorld(t)
	app := w.app
	md := app.fixtureMailDomain(w.client, "mine.test", true)
	box := app.fixtureMailbox(w.client, md, "box@mine.test")
	fwd := app.fixtureForward(w.client, md, "fwd@mine.test", "x@elsewhere.test")
	app.sim.ResetCalls()
	for _, tc := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", mailPath("/mail/%d", md), nil},
		{"POST", mailPath("/mail/%d/active", md), url.Values{"active": {"no"}}},
		{"POST", mailPath("/mail/%d/delete", md), url.Values{"confirm": {"yes"}, "cascade": {"yes"}}},
		{"POST", mailPath("/mail/%d/mailboxes", md), url.Values{"local": {"x"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"1"}}},
		{"POST", mailPath("/mail/%d/forwards", md), url.Values{"kind": {"forward"}, "local": {"x"}, "destination": {"a@b.test"}}},
		{"POST", mailPath("/mail/mailboxes/%d/password", box), url.Values{"password": {"Sup3r-Secret-Pw"}}},
		{"POST", mailPath("/mail/mailboxes/%d/quota", box), url.Values{"quota_mb": {"5"}}},
		{"POST", mailPath("/mail/mailboxes/%d/delete", box), url.Values{"confirm": {"yes"}}},
		{"POST", mailPath("/mail/forwards/%d/active", fwd), url.Values{"active": {"no"}}},
		{"POST", mailPath("/mail/forwards/%d/delete", fwd), url.Values{"confirm": {"yes"}}},
	} {
		var r response
		if tc.method == "GET" {
			r = w.ob.get(tc.path)
		} else {
			r = w.ob.post(tc.path, tc.form)
		}
		mailWantStatus(t, tc.method+" "+tc.path, r, http.StatusNotFound)
	}
	// An alias in the other client's own domain can't point at this client's mailbox.
	omd := app.fixtureMailDomain(w.other, "theirs.test", true)
	app.sim.ResetCalls()
	r := w.ob.post(mailPath("/mail/%d/forwards", omd), url.Values{"kind": {"alias"}, "local": {"steal"}, "mailbox_id": {strconv.FormatInt(box, 10)}})
	mailWantStatus(t, "alias to a foreign mailbox", r, http.StatusNotFound)
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: got %d, want 0", n)
	}
	if b := w.ob.get("/mail").body; strings.Contains(b, "mine.test") {
		t.Fatal("other client's list shows a foreign domain")
	}
	if n := app.mailCount(`SELECT count(*) FROM mail_domains WHERE id = $1 AND active`, md); n != 1 {
		t.Fatal("foreign request changed the domain")
	}
}

func TestMail_ConcurrentMailboxLimit(t *testing.T) {
	app := newApp(t)
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	l := unlimited
	l.MaxMailboxes = 1
	plan := app.plan(&res, store.RoleClient, "one box", l)
	c := app.customer(store.RoleClient, &res, "cli@example.com", plan.ID)
	md := app.fixtureMailDomain(c, "race.test", true)

	const n = 2
	codes := make([]int, n)
	var wg sync.WaitGroup
	browsers := make([]*browser, n)
	for i := range browsers {
		browsers[i] = app.browser()
		browsers[i].mustLogin("cli@example.com", pw, "/client")
	}
	for i := range n {
		wg.Go(func() {
			r := browsers[i].post(mailPath("/mail/%d/mailboxes", md), url.Values{"local": {"box" + strconv.Itoa(i)}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"10"}})
			codes[i] = r.StatusCode
		})
	}
	wg.Wait()
	ok := 0
	for _, code := range codes {
		if code == http.StatusSeeOther {
			ok++
		} else if code != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 303 or 422", code)
		}
	}
	if ok != 1 {
		t.Fatalf("successful creates: got %d (%v), want 1", ok, codes)
	}
	if got := app.mailCount(`SELECT count(*) FROM mailboxes`); got != 1 {
		t.Fatalf("mailbox rows: %d, want 1", got)
	}
	if got := len(app.sim.Rows("mail_user")); got != 1 {
		t.Fatalf("simulator mailboxes: %d, want 1", got)
	}
}

func TestMail_ConcurrentResellerQuotaTotal(t *testing.T) {
	app := newApp(t)
	rl := unlimited
	rl.MaxMailQuotaMB = 100
	rplan := app.plan(nil, store.RoleReseller, "reseller 100MB", rl)
	res := app.customer(store.RoleReseller, nil, "res@example.com", rplan.ID)
	var clients []store.Customer
	var domains []int64
	for i := range 2 {
		cl := app.plan(&res, store.RoleClient, "client plan "+strconv.Itoa(i), rl)
		c := app.customer(store.RoleClient, &res, "cli"+strconv.Itoa(i)+"@example.com", cl.ID)
		clients = append(clients, c)
		domains = append(domains, app.fixtureMailDomain(c, "q"+strconv.Itoa(i)+".test", true))
	}
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		b := app.browser()
		b.mustLogin("cli"+strconv.Itoa(i)+"@example.com", pw, "/client")
		wg.Go(func() {
			codes[i] = b.post(mailPath("/mail/%d/mailboxes", domains[i]), url.Values{"local": {"big"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"60"}}).StatusCode
		})
	}
	wg.Wait()
	if (codes[0] == http.StatusSeeOther) == (codes[1] == http.StatusSeeOther) {
		t.Fatalf("statuses %v: want exactly one 303 (reseller total 100 MB, two 60 MB mailboxes)", codes)
	}
	if got := app.mailCount(`SELECT coalesce(sum(quota_mb), 0) FROM mailboxes`); got != 60 {
		t.Fatalf("recorded quota %d MB, want 60", got)
	}
	if got := len(app.sim.Rows("mail_user")); got != 1 {
		t.Fatalf("simulator mailboxes: %d, want 1", got)
	}
	_ = clients
}

func TestMail_ValidationMakesNoCalls(t *testing.T) {
	app := newApp(t)
	l := unlimited
	l.MaxMailQuotaMB = 100
	l.MaxMailDomains = 1
	l.MaxMailAliases = 0
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	plan := app.plan(&res, store.RoleClient, "small", l)
	c := app.customer(store.RoleClient, &res, "cli@example.com", plan.ID)
	md := app.fixtureMailDomain(c, "valid.test", true)
	b := app.browser()
	b.mustLogin("cli@example.com", pw, "/client")
	app.sim.ResetCalls()
	cases := []struct {
		name, path, field string
		form              url.Values
	}{
		{"bad domain", "/mail", "domain", url.Values{"domain": {"not a domain"}}},
		{"domain limit", "/mail", "domain", url.Values{"domain": {"second.test"}}},
		{"plus in address", mailPath("/mail/%d/mailboxes", md), "local", url.Values{"local": {"a+b"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"10"}}},
		{"short password", mailPath("/mail/%d/mailboxes", md), "password", url.Values{"local": {"a"}, "password": {"short"}, "quota_mb": {"10"}}},
		{"negative quota", mailPath("/mail/%d/mailboxes", md), "quota_mb", url.Values{"local": {"a"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"-1"}}},
		{"unlimited quota on a limited plan", mailPath("/mail/%d/mailboxes", md), "quota_mb", url.Values{"local": {"a"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"0"}}},
		{"over the total", mailPath("/mail/%d/mailboxes", md), "quota_mb", url.Values{"local": {"a"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"101"}}},
		{"no aliases in plan", mailPath("/mail/%d/forwards", md), "local", url.Values{"kind": {"forward"}, "local": {"x"}, "destination": {"a@b.test"}}},
	}
	for _, tc := range cases {
		r := b.post(tc.path, tc.form)
		mailWantStatus(t, tc.name, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, `data-testid="error-`+tc.field+`"`) {
			t.Fatalf("%s: no inline error for %s: %.600s", tc.name, tc.field, r.body)
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: got %d, want 0", n)
	}
	if n := app.mailCount(`SELECT count(*) FROM mailboxes`) + app.mailCount(`SELECT count(*) FROM mail_forwards`); n != 0 {
		t.Fatalf("rows left by refused creates: %d", n)
	}
	r := b.post("/mail", url.Values{"domain": {"x.test"}, "extra": {"1"}})
	mailWantStatus(t, "unknown field", r, http.StatusBadRequest)
}

func TestMail_ReadAfterWriteMismatch(t *testing.T) {
	app := newApp(t)
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	c := app.customer(store.RoleClient, &res, "cli@example.com")
	md := app.fixtureMailDomain(c, "drop.test", true)
	b := app.browser()
	b.mustLogin("cli@example.com", pw, "/client")
	app.sim.DropField("mail_user", "quota")
	r := b.post(mailPath("/mail/%d/mailboxes", md), url.Values{"local": {"box"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"10"}})
	mailWantStatus(t, "create with dropped quota", r, http.StatusBadGateway)
	if !strings.Contains(r.body, "did not store the change as sent") {
		t.Fatalf("no mismatch message: %.400s", r.body)
	}
	if n := app.mailCount(`SELECT count(*) FROM mailboxes`); n != 0 {
		t.Fatalf("mailbox rows after mismatch: %d, want 0", n)
	}
	if n := len(app.sim.Rows("mail_user")); n != 0 {
		t.Fatalf("simulator mailboxes after mismatch: %d, want 0 (undone)", n)
	}
	if app.auditCount("mailbox.create", store.OutcomeFailure) == 0 {
		t.Fatal("failure not audited")
	}

	// A quota change that ISPConfig drops keeps the old quota on both sides.
	app.sim.ClearDroppedFields()
	box := app.fixtureMailbox(c, md, "keep@drop.test")
	app.sim.DropField("mail_user", "quota")
	r = b.post(mailPath("/mail/mailboxes/%d/quota", box), url.Values{"quota_mb": {"50"}})
	mailWantStatus(t, "quota with dropped field", r, http.StatusBadGateway)
	if q := app.mailCount(`SELECT quota_mb FROM mailboxes WHERE id = $1`, box); q != 100 {
		t.Fatalf("recorded quota %d, want the old 100", q)
	}
}

func TestMail_PlatformDown(t *testing.T) {
	w := newMailWorld(t)
	app := w.app
	md := app.fixtureMailDomain(w.client, "down.test", true)
	box := app.fixtureMailbox(w.client, md, "box@down.test")
	app.platformDown()
	app.sim.ResetCalls()
	for _, p := range []string{"/mail", mailPath("/mail/%d", md), "/mail?q=down"} {
		r := w.cb.get(p)
		mailWantStatus(t, "GET "+p, r, http.StatusOK)
		if !strings.Contains(r.body, "down.test") {
			t.Fatalf("GET %s does not show the domain", p)
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("list pages called ISPConfig %d times, want 0", n)
	}
	// Every write fails fast while the platform is known to be down: a clear message, nothing recorded, no call.
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/mail", url.Values{"domain": {"new.test"}}},
		{mailPath("/mail/%d/mailboxes", md), url.Values{"local": {"x"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"1"}}},
		{mailPath("/mail/%d/forwards", md), url.Values{"kind": {"forward"}, "local": {"f"}, "destination": {"a@b.test"}}},
		{mailPath("/mail/%d/active", md), url.Values{"active": {"no"}}},
		{mailPath("/mail/mailboxes/%d/quota", box), url.Values{"quota_mb": {"5"}}},
		{mailPath("/mail/mailboxes/%d/delete", box), url.Values{"confirm": {"yes"}}},
		{mailPath("/mail/%d/delete", md), url.Values{"confirm": {"yes"}, "cascade": {"yes"}}},
	} {
		r := w.cb.post(tc.path, tc.form)
		mailWantStatus(t, "POST "+tc.path, r, http.StatusBadGateway)
		if !strings.Contains(r.body, "responding") {
			t.Fatalf("POST %s: no platform message: %.300s", tc.path, r.body)
		}
	}
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("writes called ISPConfig %d times while it was known down, want 0", n)
	}
	app.platformUp()
	if n := app.mailCount(`SELECT count(*) FROM mail_domains`); n != 1 {
		t.Fatalf("mail domains: %d, want 1", n)
	}
	if n := app.mailCount(`SELECT count(*) FROM mail_domains WHERE state = 'active' AND active`); n != 1 {
		t.Fatal("the domain changed while the platform was down")
	}
	if n := app.mailCount(`SELECT count(*) FROM mailboxes WHERE state = 'active' AND quota_mb = 100`); n != 1 {
		t.Fatal("the mailbox changed while the platform was down")
	}
	if n := app.mailCount(`SELECT count(*) FROM mail_forwards`) + app.mailCount(`SELECT count(*) FROM mailboxes`); n != 1 {
		t.Fatalf("mailbox and forward rows: %d, want the fixture's 1", n)
	}
}

func TestMail_SuspendedCustomerRefused(t *testing.T) {
	w := newMailWorld(t)
	app := w.app
	md := app.fixtureMailDomain(w.client, "susp.test", true)
	if _, err := app.pool.Exec(context.Background(), `UPDATE customers SET suspended_self = true, suspended_by = 'admin' WHERE id = $1`, w.client.ID); err != nil {
		t.Fatal(err)
	}
	app.sim.ResetCalls()
	r := w.cb.post(mailPath("/mail/%d/mailboxes", md), url.Values{"local": {"x"}, "password": {"Sup3r-Secret-Pw"}, "quota_mb": {"1"}})
	mailWantStatus(t, "suspended create", r, http.StatusForbidden)
	if !strings.Contains(r.body, "suspended") {
		t.Fatalf("no suspension message: %.300s", r.body)
	}
	r = w.cb.post("/mail", url.Values{"domain": {"more.test"}})
	mailWantStatus(t, "suspended domain create", r, http.StatusForbidden)
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("ISPConfig calls: %d, want 0", n)
	}
}

func TestMailboxPasswordPublic(t *testing.T) {
	app := newApp(t, func(o *Options) { o.LoginRatePerAccount = 3 })
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	c := app.customer(store.RoleClient, &res, "cli@example.com")
	md := app.fixtureMailDomain(c, "pub.test", true)
	box := app.fixtureMailbox(c, md, "me@pub.test")
	var ispID int
	if err := app.pool.QueryRow(context.Background(), `SELECT isp_id FROM mailboxes WHERE id = $1`, box).Scan(&ispID); err != nil {
		t.Fatal(err)
	}
	b := app.browser() // not signed in
	mailWantStatus(t, "GET form", b.get("/mailbox/password"), http.StatusOK)
	form := func(email, cur string) url.Values {
		return url.Values{"email": {email}, "current_password": {cur}, "new_password": {"Brand-New-Pass-1"}, "confirm_password": {"Brand-New-Pass-1"}}
	}
	wrong := b.post("/mailbox/password", form("me@pub.test", "not-the-password"))
	mailWantStatus(t, "wrong password", wrong, http.StatusUnauthorized)
	unknown := b.post("/mailbox/password", form("nobody@pub.test", "not-the-password"))
	mailWantStatus(t, "unknown mailbox", unknown, http.StatusUnauthorized)
	if !strings.Contains(wrong.body, mailboxPasswordFailed) || !strings.Contains(unknown.body, mailboxPasswordFailed) {
		t.Fatal("failures must show the one generic message")
	}
	if ispapi.VerifyMailPassword("Brand-New-Pass-1", app.sim.Row("mail_user", ispID)["password"]) {
		t.Fatal("password changed after a wrong current password")
	}
	ok := b.post("/mailbox/password", form("Me@Pub.test", "M4ilbox!Secret"))
	mailWantStatus(t, "right password", ok, http.StatusOK)
	if !strings.Contains(ok.body, `data-testid="mailbox-password-ok"`) {
		t.Fatalf("no success notice: %.400s", ok.body)
	}
	if !ispapi.VerifyMailPassword("Brand-New-Pass-1", app.sim.Row("mail_user", ispID)["password"]) {
		t.Fatal("new password not stored in ISPConfig")
	}
	if app.attemptCount(countMailboxFailed) != 2 || app.auditCount("mailbox.password.public", store.OutcomeFailure) != 0 ||
		app.auditCount("mailbox.password.public", store.OutcomeSuccess) != 1 {
		t.Fatal("failures must be counted (not audited one row each), the change audited")
	}
	// The fourth attempt for this mailbox within a minute is over the limit (3 per minute), even with the right
	// password; another mailbox is not affected by it.
	mailWantStatus(t, "attempt 3", b.post("/mailbox/password", form("me@pub.test", "x")), http.StatusUnauthorized)
	app.sim.ResetCalls()
	limited := b.post("/mailbox/password", form("me@pub.test", "Brand-New-Pass-1"))
	mailWantStatus(t, "rate limited", limited, http.StatusTooManyRequests)
	if n := app.sim.CallCount(); n != 0 {
		t.Fatalf("rate-limited attempt called ISPConfig %d times", n)
	}
	mailWantStatus(t, "other mailbox", b.post("/mailbox/password", form("other@pub.test", "x")), http.StatusUnauthorized)
}

func TestMail_DomainLimitTable(t *testing.T) {
	app := newApp(t, func(o *Options) { o.Settings.DomainLimit = true })
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	c := app.customer(store.RoleClient, &res, "cli@example.com")
	app.fixtureDomain(c, "allowed.test")
	b := app.browser()
	b.mustLogin("cli@example.com", pw, "/client")
	app.sim.ResetCalls()
	r := b.post("/mail", url.Values{"domain": {"elsewhere.test"}})
	mailWantStatus(t, "domain not in the table", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.body, `data-testid="error-domain"`) || app.sim.CallCount() != 0 {
		t.Fatalf("want an inline error and no calls (%d): %.400s", app.sim.CallCount(), r.body)
	}
	mailWantStatus(t, "allowed domain", b.post("/mail", url.Values{"domain": {"allowed.test"}}), http.StatusSeeOther)
}

func TestMail_HTMXAndPlainShapes(t *testing.T) {
	w := newMailWorld(t)
	app := w.app
	md := app.fixtureMailDomain(w.client, "shape.test", true)
	for i := range 30 {
		app.insertObject(`INSERT INTO mail_domains (customer_id, domain, state) VALUES ($1, $2, 'failed') RETURNING id`,
			w.client.ID, "zz"+strconv.Itoa(100+i)+".test")
	}
	next := w.cb.get("/mail").link("mail-next")
	for _, hx := range []bool{false, true} {
		if hx {
			w.cb.hdrs["HX-Request"] = "true"
		} else {
			delete(w.cb.hdrs, "HX-Request")
		}
		r := w.cb.get(next)
		mailWantStatus(t, "page 2", r, http.StatusOK)
		if strings.Contains(r.body, "<html") == hx {
			t.Fatalf("hx=%v: full document %v", hx, !hx)
		}
		if !strings.Contains(r.body, `data-testid="mail-prev"`) || strings.Contains(r.body, `data-testid="mail-next"`) || strings.Contains(r.body, "shape.test") {
			t.Fatalf("hx=%v: page 2 of 31 domains wrong: %.300s", hx, r.body)
		}
		// The delete confirmation step exists for both, and changes nothing.
		r = w.cb.post(mailPath("/mail/%d/delete", md), nil)
		mailWantStatus(t, "confirm", r, http.StatusOK)
		if !strings.Contains(r.body, `data-testid="mail-confirm"`) {
			t.Fatalf("hx=%v: no confirmation: %.300s", hx, r.body)
		}
	}
	// htmx: an error goes to #alerts.
	r := w.cb.post(mailPath("/mail/%d/active", md), url.Values{"active": {"maybe"}})
	if r.StatusCode != http.StatusBadRequest || r.Header.Get("HX-Retarget") != "#alerts" {
		t.Fatalf("htmx error: status %d retarget %q", r.StatusCode, r.Header.Get("HX-Retarget"))
	}
	// htmx: a successful create redirects with HX-Redirect.
	r = w.cb.post(mailPath("/mail/%d/forwards", md), url.Values{"kind": {"forward"}, "local": {"f"}, "destination": {"a@b.test"}})
	if r.StatusCode != http.StatusNoContent || r.Header.Get("HX-Redirect") != mailPath("/mail/%d", md) {
		t.Fatalf("htmx create: status %d HX-Redirect %q", r.StatusCode, r.Header.Get("HX-Redirect"))
	}
	// htmx: deleting a row answers an empty 200 that swaps it away.
	var fwd int64
	if err := app.pool.QueryRow(context.Background(), `SELECT id FROM mail_forwards`).Scan(&fwd); err != nil {
		t.Fatal(err)
	}
	r = w.cb.post(mailPath("/mail/forwards/%d/delete", fwd), url.Values{"confirm": {"yes"}})
	if r.StatusCode != http.StatusOK || strings.TrimSpace(r.body) != "" || len(app.sim.Rows("mail_forwarding")) != 0 {
		t.Fatalf("htmx delete: status %d body %q", r.StatusCode, r.body)
	}
	// No inline scripts, styles or handlers in the mail pages.
	delete(w.cb.hdrs, "HX-Request")
	body := w.cb.get(mailPath("/mail/%d", md)).body
	for _, bad := range []string{"style=", "onclick", "hx-on", "<script>"} {
		if strings.Contains(body, bad) {
			t.Fatalf("mail page contains %q", bad)
		}
	}
}
