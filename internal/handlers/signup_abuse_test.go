package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/hosting"
	"portal/internal/mailtest"
	"portal/internal/signup"
	"portal/internal/store"
	"portal/internal/tenancy"
)

func (w *signupWorld) count(q string, args ...any) int {
	w.app.t.Helper()
	var n int
	if err := w.app.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		w.app.t.Fatal(err)
	}
	return n
}

// waitSetup polls a visitor's set-up page until it shows state.
func waitSetup(t *testing.T, v *browser, state string) string {
	t.Helper()
	return waitSetupShows(t, v, `data-testid="setup-state">`+state+`<`)
}

// waitSetupShows polls a visitor's set-up page until its HTML contains want.
func waitSetupShows(t *testing.T, v *browser, want string) string {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		v.hdrs["HX-Request"] = "true"
		st := v.get("/signup/setup")
		delete(v.hdrs, "HX-Request")
		if strings.Contains(st.body, want) {
			return st.body
		}
		if time.Now().After(deadline) {
			t.Fatalf("set-up never showed %s:\n%s", want, st.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// signUpAndConfirm signs up as email for domain and follows the confirmation link, in v.
func (w *signupWorld) signUpAndConfirm(t *testing.T, v *browser, email, domain string) {
	t.Helper()
	if resp := v.post(w.page, w.form(email, domain)); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "signup-sent") {
		t.Fatalf("signup %s: %d %.300s", email, resp.StatusCode, resp.body)
	}
	link := strings.TrimPrefix(mailtest.Link(t, w.mp.Wait(email, 1)[0].Text, w.app.srv.URL+"/signup/confirm/"), w.app.srv.URL)
	if resp := v.post(link, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm %s: %d %.300s", email, resp.StatusCode, resp.body)
	}
}

// A honeypot field, a form sent faster than the minimum fill time, and a refused email domain: bots get the
// visitor's answer and nothing happens; a person gets a field error. An address that already has an account gets
// the same answer as a new one, and a note by mail instead of a second account.
func TestSignup_BotsBlocklistAndKnownAddresses(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	v := app.browser()
	v.get(w.page)
	hp := w.form("bot@example.com", "bot.example")
	hp.Set("website", "http://spam.example")
	if resp := v.post(w.page, hp); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "signup-sent") {
		t.Fatalf("honeypot: %d", resp.StatusCode)
	}
	// The minimum fill time, by the handler's clock.
	app.signup.Limits.MinFill = 3 * time.Second
	app.now = time.Now()
	v.get(w.page)
	app.now = app.now.Add(time.Second)
	if resp := v.post(w.page, w.form("fast@example.com", "fast.example")); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "signup-sent") {
		t.Fatalf("too fast: %d", resp.StatusCode)
	}
	// Without having seen the form at all.
	if resp := app.browser().post(w.page, w.form("blind@example.com", "blind.example")); resp.StatusCode != http.StatusOK {
		t.Fatalf("blind post: %d", resp.StatusCode)
	}
	if n := w.count(`SELECT count(*) FROM signups`) + w.count(`SELECT count(*) FROM outbox WHERE kind LIKE 'signup%'`); n != 0 {
		t.Fatalf("bots caused %d rows", n)
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'signup.refused'`); n != 3 {
		t.Fatalf("%d bot refusals audited, want 3", n)
	}
	app.now = app.now.Add(5 * time.Second)
	app.signup.Blocked = map[string]bool{"throwaway.example": true}
	if resp := v.post(w.page, w.form("x@throwaway.example", "tw.example")); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-email"`) {
		t.Fatalf("blocked domain: %d", resp.StatusCode)
	}
	rAcct, _ := store.NewAccounts(app.pool).ByCustomer(context.Background(), w.reseller.ID)
	fresh := v.post(w.page, w.form("newcomer@example.com", "newcomer.example"))
	known := v.post(w.page, w.form(rAcct.Email, "known.example"))
	// The two answers may differ only in the address they repeat (the reseller's brand, its name, can hold the
	// registered address too, so both addresses are blanked in both answers).
	blank := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, rAcct.Email, "ADDRESS"), "newcomer@example.com", "ADDRESS")
	}
	if known.StatusCode != fresh.StatusCode || blank(known.body) != blank(fresh.body) {
		t.Fatal("the answer for a registered address differs from a new one")
	}
	if n := w.count(`SELECT count(*) FROM signups WHERE lower(email) = lower($1)`, rAcct.Email); n != 0 {
		t.Fatal("a signup was recorded for a registered address")
	}
	if note := w.mp.Wait(rAcct.Email, 1)[0]; !strings.Contains(note.Text, "already has an account") {
		t.Fatalf("note to the registered address:\n%s", note.Text)
	}
	// The domain is checked against the registry: the reseller's own client's site.
	c := app.customer(store.RoleClient, &w.reseller, "site-owner@example.com")
	if _, err := app.hosting.CreateSite(context.Background(), hostingActor(t, app, c), siteIn("taken.example")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"taken.example", "www.taken.example", "newcomer.example"} {
		if resp := v.post(w.page, w.form("other-"+d+"@example.com", d)); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-domain"`) {
			t.Fatalf("%s: %d, want a domain error", d, resp.StatusCode)
		}
	}
}

// Five signups an hour from one IP, counted in Postgres: two portal instances on one database share the count; an
// hour later it lifts.
func TestSignup_RateLimitSharedByTwoInstances(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	cfg, _ := pgxpool.ParseConfig(app.pool.Config().ConnString())
	store.ConfigurePool(cfg) // as cmd/portal's pool plans
	pool2, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool2.Close)
	o2 := app.h.opts
	o2.Pool = pool2
	o2.Signup = signup.New(pool2, app.tenancy, app.hosting, app.mail, app.hasher, app.platform.ID, o2.BaseURL, nil)
	o2.Signup.Limits.MinFill = 0
	o2.Signup.SetJobs(app.jobs)
	srv2 := httptest.NewServer(New(o2).Routes())
	t.Cleanup(srv2.Close)
	second := *app
	second.srv = srv2
	instances := []*browser{app.browser(), second.browser()}
	for i := range 5 {
		b := instances[i%2]
		if resp := b.post(w.page, w.form(fmt.Sprintf("rate%d@example.com", i), fmt.Sprintf("rate%d.example", i))); resp.StatusCode != http.StatusOK {
			t.Fatalf("signup %d: %d %.300s", i+1, resp.StatusCode, resp.body)
		}
	}
	for _, b := range instances {
		if resp := b.post(w.page, w.form("rate-more@example.com", "rate-more.example")); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("6th signup: %d, want 429", resp.StatusCode)
		}
	}
	if _, err := app.pool.Exec(context.Background(), `UPDATE rate_events SET at = at - interval '61 minutes'`); err != nil {
		t.Fatal(err)
	}
	if resp := instances[1].post(w.page, w.form("rate-more@example.com", "rate-more.example")); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the hour: %d", resp.StatusCode)
	}
}

// A full reseller's page is not available; a plan without sites can't be chosen.
func TestSignup_ResellerCeilingAndPlanLimits(t *testing.T) {
	l := unlimited
	l.MaxClients = 1
	w := newSignupWorld(t, l)
	app := w.app
	noSites := unlimited
	noSites.MaxSites = 0
	mailOnly := app.plan(&w.reseller, store.RoleClient, "Mail only", noSites)
	if err := store.NewSignups(app.pool).SetPlanPublic(context.Background(), mailOnly.ID, true); err != nil {
		t.Fatal(err)
	}
	v := app.browser()
	f := w.form("mailonly@example.com", "mailonly.example")
	f.Set("plan_id", fmt.Sprint(mailOnly.ID))
	if resp := v.post(w.page, f); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-plan_id"`) {
		t.Fatalf("plan without sites: %d", resp.StatusCode)
	}
	app.customer(store.RoleClient, &w.reseller, "the-one-client@example.com", w.plan.ID)
	if page := v.get(w.page); !strings.Contains(page.body, `data-testid="signup-unavailable"`) || strings.Contains(page.body, "signup-form") {
		t.Fatal("a full reseller's page still offers signup")
	}
	if resp := v.post(w.page, w.form("late@example.com", "late.example")); resp.StatusCode != http.StatusConflict {
		t.Fatalf("signup at a full reseller: %d, want 409", resp.StatusCode)
	}
	if resp := v.get("/signup/no-such-reseller"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown slug: %d", resp.StatusCode)
	}
}

// A reseller that approves signups by hand: the confirmed signup waits in its queue; approving it sets it up.
func TestSignup_ManualApproval(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	rAcct, _ := store.NewAccounts(app.pool).ByCustomer(context.Background(), w.reseller.ID)
	r := app.browser()
	r.mustLogin(rAcct.Email, pw, "/reseller")
	if resp := r.post("/reseller/signups/settings", url.Values{"manual_approval": {"1"}, "terms_text": {"Be nice."}, "terms_version": {"2026-1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: %d %.300s", resp.StatusCode, resp.body)
	}
	v := app.browser()
	if page := v.get(w.page); !strings.Contains(page.body, "Be nice.") || !strings.Contains(page.body, "2026-1") {
		t.Fatal("the page does not show the reseller's terms")
	}
	w.signUpAndConfirm(t, v, "queued@example.com", "queued.example")
	waitSetup(t, v, "waiting for approval")
	if n := w.count(`SELECT count(*) FROM customers WHERE email = 'queued@example.com'`); n != 0 {
		t.Fatal("a client was created before approval")
	}
	list := r.get("/reseller/signups")
	if !strings.Contains(list.body, "queued.example") || !strings.Contains(list.body, `data-testid="signup-approve"`) {
		t.Fatalf("queue:\n%.3000s", list.body)
	}
	var id int64
	_ = app.pool.QueryRow(context.Background(), `SELECT id FROM signups WHERE email = 'queued@example.com'`).Scan(&id)
	if resp := r.post(fmt.Sprintf("/signups/%d/approve", id), url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", resp.StatusCode, resp.body)
	}
	waitSetup(t, v, "ready")
	if n := w.count(`SELECT count(*) FROM signups WHERE terms_version = '2026-1'`); n != 1 {
		t.Fatal("the accepted terms version is not recorded")
	}
	// The reseller's settings and its approval are each audited once, as the reseller's.
	for action, object := range map[string]string{"signup.settings": "", "signup.approve": fmt.Sprint(id)} {
		if n := w.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2`, action, object); n != 1 ||
			w.count(`SELECT count(*) FROM audit_log WHERE action = $1 AND object_id = $2 AND acting_email = $3 AND outcome = 'success'`,
				action, object, rAcct.Email) != 1 {
			t.Errorf("%s audited %d times; want once, as the reseller's success", action, n)
		}
	}
	// Approving it again is refused, and audited as a failure.
	if resp := r.post(fmt.Sprintf("/signups/%d/approve", id), url.Values{}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("approving twice: %d; want 409", resp.StatusCode)
	}
	if n := w.count(`SELECT count(*) FROM audit_log WHERE action = 'signup.approve' AND object_id = $1 AND outcome = 'failure'`, fmt.Sprint(id)); n != 1 {
		t.Errorf("the refused approval audited %d times as a failure; want once", n)
	}
}

// A reseller named like a page of the signup flow (setup) has a page of its own at the link it is shown, with its
// tilde also sent encoded; a visitor's signup there is the reseller's, and its confirmation is not the flow's
// set-up page.
func TestSignup_ReservedNameGetsItsOwnPage(t *testing.T) {
	w := newSignupWorldOf(t, "setup")
	v := w.app.browser()
	for _, page := range []string{w.page, strings.Replace(w.page, "~", "%7E", 1)} {
		if resp := v.get(page); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "Starter") ||
			!strings.Contains(resp.body, w.reseller.Name) {
			t.Fatalf("%s: %d %.500s", page, resp.StatusCode, resp.body)
		}
	}
	w.signUpAndConfirm(t, v, "tilde@example.com", "tilde-shop.example")
	if n := w.count(`SELECT count(*) FROM signups WHERE email = 'tilde@example.com' AND reseller_id = $1`, w.reseller.ID); n != 1 {
		t.Fatalf("%d signups of the reseller from its page; want 1", n)
	}
	waitSetup(t, v, "ready")
}

// A set-up that fails shows why, to the visitor and to the reseller; after the cause is gone, retrying finishes it.
func TestSignup_FailureVisibleAndRetried(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	// Someone outside the portal already uses the username the signup will derive ("failshop") in ISPConfig.
	stranger, err := app.tenancy.Create(context.Background(), tenancy.NewCustomer{Kind: store.RoleClient, PlatformID: app.platform.ID,
		PlanID: app.plan(nil, store.RoleClient, "stranger", unlimited).ID, Name: "Stranger", Email: "stranger@example.com",
		Username: "failshop", PasswordHash: "x"})
	if err != nil || stranger.State != store.StateActive {
		t.Fatalf("stranger: %v %s", err, stranger.State)
	}
	if _, err := app.pool.Exec(context.Background(), `UPDATE customers SET state = 'deleted' WHERE id = $1`, stranger.ID); err != nil {
		t.Fatal(err)
	}
	v := app.browser()
	w.signUpAndConfirm(t, v, "unlucky@example.com", "fail-shop.example")
	body := waitSetup(t, v, "failed")
	if !strings.Contains(body, `data-testid="setup-retry"`) || !strings.Contains(body, "already used") {
		t.Fatalf("failure page:\n%s", body)
	}
	rAcct, _ := store.NewAccounts(app.pool).ByCustomer(context.Background(), w.reseller.ID)
	r := app.browser()
	r.mustLogin(rAcct.Email, pw, "/reseller")
	if list := r.get("/reseller/signups"); !strings.Contains(list.body, "already used") || !strings.Contains(list.body, `data-testid="signup-retry"`) {
		t.Fatal("the reseller does not see the failure")
	}
	// The stored reason reads in German for German readers: the visitor and the reseller.
	const reason = "das Hosting-Konto konnte nicht eingerichtet werden: der Benutzername wird auf der Hosting-Plattform bereits von jemand anderem verwendet"
	v.hdrs["Accept-Language"], r.hdrs["Accept-Language"] = "de", "de"
	if page := v.get("/signup/setup"); !strings.Contains(page.body, "Die Einrichtung wurde nicht abgeschlossen: "+reason) {
		t.Errorf("German set-up page lacks the German reason:\n%s", page.body)
	}
	if list := r.get("/reseller/signups"); !strings.Contains(list.body, reason) {
		t.Error("German signup list lacks the German reason")
	}
	delete(v.hdrs, "Accept-Language")
	if err := app.isp.DeleteClient(context.Background(), *stranger.ISPClientID); err != nil {
		t.Fatal(err)
	}
	if resp := v.post("/signup/setup/retry", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d %.300s", resp.StatusCode, resp.body)
	}
	waitSetup(t, v, "ready")
}

func hostingActor(t *testing.T, app *testApp, c store.Customer) hosting.Actor {
	t.Helper()
	a, err := store.NewAccounts(app.pool).ByCustomer(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return hosting.Actor{Acting: a, Effective: a, IP: "192.0.2.1"}
}

func siteIn(domain string) hosting.NewSite {
	return hosting.NewSite{Domain: domain, Active: true, SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}}
}

// The confirmation can be sent again, three times an hour per address; each resend replaces the link. An address
// without a waiting signup gets the same answers and the same limit.
func TestSignup_ConfirmationResendLimited(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	v := app.browser()
	if resp := v.post(w.page, w.form("resend@example.com", "resend.example")); resp.StatusCode != http.StatusOK {
		t.Fatalf("signup: %d", resp.StatusCode)
	}
	first := strings.TrimPrefix(mailtest.Link(t, w.mp.Wait("resend@example.com", 1)[0].Text, app.srv.URL+"/signup/confirm/"), app.srv.URL)
	for _, addr := range []string{"resend@example.com", "resend-nobody@example.com"} {
		for i := range 3 {
			if resp := v.post("/signup/resend", url.Values{"email": {addr}}); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "signup-sent") {
				t.Fatalf("%s resend %d: %d", addr, i+1, resp.StatusCode)
			}
		}
		if resp := v.post("/signup/resend", url.Values{"email": {addr}}); resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("%s 4th resend: %d, want 429", addr, resp.StatusCode)
		}
	}
	msgs := w.mp.Wait("resend@example.com", 4)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want the first and 3 resends", len(msgs))
	}
	if resp := v.post(first, url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the first link after resends: %d, want 404", resp.StatusCode)
	}
	newest := lastOf(msgs)
	link := strings.TrimPrefix(mailtest.Link(t, newest.Text, app.srv.URL+"/signup/confirm/"), app.srv.URL)
	if resp := v.post(link, url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the newest link: %d", resp.StatusCode)
	}
	if n := w.count(`SELECT count(*) FROM outbox WHERE to_addr = 'resend-nobody@example.com'`); n != 0 {
		t.Fatal("mail went to an address without a signup")
	}
}

func lastOf(msgs []mailtest.Message) mailtest.Message {
	last := msgs[0]
	for _, m := range msgs {
		if mailtest.OutboxID(m) > mailtest.OutboxID(last) {
			last = m
		}
	}
	return last
}

// The operator's own page, /signup, offers its public direct plans; the signup becomes a direct client, and the
// admins see it under Signups.
func TestSignup_OperatorPage(t *testing.T) {
	mp := mailtest.Shared(t)
	app := newApp(t, withSMTP(mp.SMTPURL))
	app.startJobs()
	app.account("admin@example.com", store.RoleAdmin, pw)
	plan := app.plan(nil, store.RoleClient, "Direct", unlimited)
	admin := app.browser()
	admin.mustLogin("admin@example.com", pw, "/admin")
	v := app.browser()
	if page := v.get("/signup"); !strings.Contains(page.body, `data-testid="signup-unavailable"`) {
		t.Fatal("the operator's page offers signup without a public plan")
	}
	if resp := admin.post(fmt.Sprintf("/admin/plans/%d/public", plan.ID), url.Values{"public": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("make public: %d", resp.StatusCode)
	}
	if page := v.get("/signup"); !strings.Contains(page.body, "Direct") || !strings.Contains(page.body, "Test Operator") {
		t.Fatalf("operator's page:\n%.2000s", page.body)
	}
	w := &signupWorld{app: app, mp: mp, plan: plan, page: "/signup"}
	w.signUpAndConfirm(t, v, "direct@example.com", "direct-site.example")
	waitSetup(t, v, "ready")
	acct, err := store.NewAccounts(app.pool).ByEmail(context.Background(), "direct@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := store.NewCustomers(app.pool).ByID(context.Background(), *acct.CustomerID)
	if c.ResellerID != nil || c.State != store.StateActive {
		t.Fatalf("direct client: reseller %v state %s", c.ResellerID, c.State)
	}
	if list := admin.get("/admin/signups"); !strings.Contains(list.body, "direct-site.example") {
		t.Fatal("the admins don't see the operator's signup")
	}
	if m := mp.Wait("direct@example.com", 1)[0]; m.From.Name != "Test Operator" {
		t.Fatalf("confirmation from %q, want the operator", m.From.Name)
	}
}
