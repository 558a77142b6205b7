package handlers

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/mailtest"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// signupWorld is a reseller with a public client plan, its signup page, and mail going to the shared mailpit.
type signupWorld struct {
	app      *testApp
	mp       *mailtest.Mailpit
	reseller store.Customer
	plan     store.Plan
	page     string
}

func newSignupWorld(t *testing.T, resellerLimits ...store.Limits) *signupWorld {
	return newSignupWorldOf(t, "", resellerLimits...)
}

// newSignupWorldOf is newSignupWorld with a reseller of the hosting username reserved, a name of one of the signup
// flow's own pages ("": one derived from its email, whose page is /signup/{it}): its page is /signup/{it}~{platform}.
func newSignupWorldOf(t *testing.T, reserved string, resellerLimits ...store.Limits) *signupWorld {
	t.Helper()
	mp := mailtest.Shared(t)
	app := newApp(t, withSMTP(mp.SMTPURL))
	app.startJobs()
	l := unlimited
	if len(resellerLimits) > 0 {
		l = resellerLimits[0]
	}
	email := fmt.Sprintf("su-reseller-%d@example.com", time.Now().UnixNano())
	rplan := app.plan(nil, store.RoleReseller, "reseller plan", l)
	var r store.Customer
	want := ""
	if reserved == "" {
		r = app.customer(store.RoleReseller, nil, email, rplan.ID)
		want = "/signup/" + strings.ToLower(r.ISPUsername)
	} else {
		var err error
		r, err = app.tenancy.Create(context.Background(), tenancy.NewCustomer{Kind: store.RoleReseller, PlatformID: app.platform.ID,
			PlanID: rplan.ID, Name: "Name of " + email, Email: email, Username: reserved, PasswordHash: app.env.PasswordHash})
		if err != nil || r.State != store.StateActive {
			t.Fatalf("reseller %s: %v %s", reserved, err, r.State)
		}
		want = fmt.Sprintf("/signup/%s~%d", reserved, app.platform.ID)
	}
	plan := app.plan(&r, store.RoleClient, "Starter", unlimited)
	rb := app.browser()
	rb.mustLogin(email, pw, "/reseller")
	if resp := rb.post(fmt.Sprintf("/reseller/plans/%d/public", plan.ID), url.Values{"public": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("make the plan public: %d %.300s", resp.StatusCode, resp.body)
	}
	// The page is at the link the reseller's signups screen gives it.
	list := rb.get("/reseller/signups")
	m := regexp.MustCompile(`href="[^"]*(/signup/[^"]+)" data-testid="signup-link"`).FindStringSubmatch(list.body)
	if list.StatusCode != http.StatusOK || m == nil || m[1] != want {
		t.Fatalf("the reseller's signup link: %d %v; want %s", list.StatusCode, m, want)
	}
	return &signupWorld{app: app, mp: mp, reseller: r, plan: plan, page: m[1]}
}

func (w *signupWorld) form(email, domain string) url.Values {
	return url.Values{"name": {"Vera Visitor"}, "email": {email}, "password": {"visitor's own password"},
		"plan_id": {fmt.Sprint(w.plan.ID)}, "domain": {domain}, "terms": {"1"}, "website": {""}}
}

// A visitor signs up on a reseller's page, confirms by the mailed link, watches the set-up reach ready, and is
// signed in on a dashboard that shows the new site. The reseller is told and sees the signup; the visitor gets a
// welcome mail; the terms acceptance is recorded.
func TestSignup_ToReadySite(t *testing.T) {
	w := newSignupWorld(t)
	app := w.app
	v := app.browser()
	page := v.get(w.page)
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "Starter") || !strings.Contains(page.body, w.reseller.Name) {
		t.Fatalf("signup page: %d\n%.2000s", page.StatusCode, page.body)
	}
	bad := w.form("not-an-address", "no_domain")
	bad.Del("terms")
	if resp := v.post(w.page, bad); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(resp.body, `data-testid="error-email"`) ||
		!strings.Contains(resp.body, `data-testid="error-domain"`) || !strings.Contains(resp.body, `data-testid="error-terms"`) {
		t.Fatalf("bad form: %d", resp.StatusCode)
	}
	// Every page of the reseller's signup wears its brand (its name, having set none), not the operator's.
	brand := `data-testid="brand-name">` + html.EscapeString(w.reseller.Name) + `<`
	if resp := v.post(w.page, w.form("vera@example.com", "vera-site.example")); resp.StatusCode != http.StatusOK ||
		!strings.Contains(resp.body, `data-testid="signup-sent"`) || !strings.Contains(resp.body, brand) {
		t.Fatalf("signup: %d %.500s", resp.StatusCode, resp.body)
	}
	msg := w.mp.Wait("vera@example.com", 1)[0]
	if msg.From.Name != w.reseller.Name {
		t.Fatalf("confirmation from %q, want the reseller", msg.From.Name)
	}
	link := strings.TrimPrefix(mailtest.Link(t, msg.Text, app.srv.URL+"/signup/confirm/"), app.srv.URL)
	if resp := v.get(link); resp.StatusCode != http.StatusOK || !strings.Contains(resp.body, "signup-confirm-form") ||
		!strings.Contains(resp.body, brand) {
		t.Fatalf("confirm page: %d %.500s", resp.StatusCode, resp.body)
	}
	if resp := v.post(link, url.Values{}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signup/setup" {
		t.Fatalf("confirm: %d %q %.300s", resp.StatusCode, resp.Header.Get("Location"), resp.body)
	}
	if st := v.get("/signup/setup"); st.StatusCode != http.StatusOK || !strings.Contains(st.body, brand) {
		t.Fatalf("set-up page: %d %.500s", st.StatusCode, st.body)
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		v.hdrs["HX-Request"] = "true"
		st := v.get("/signup/setup")
		delete(v.hdrs, "HX-Request")
		if strings.Contains(st.body, `data-testid="setup-state">ready<`) {
			break
		}
		if time.Now().After(deadline) || strings.Contains(st.body, "setup-failed") {
			t.Fatalf("set-up did not get ready:\n%s", st.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	dash := v.get("/client")
	if dash.StatusCode != http.StatusOK || !strings.Contains(dash.body, "vera-site.example") {
		t.Fatalf("dashboard: %d\n%.2000s", dash.StatusCode, dash.body)
	}
	if resp := v.post(link, url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second confirmation: %d, want 404", resp.StatusCode)
	}
	var cust store.Customer
	var err error
	acct, err := store.NewAccounts(app.pool).ByEmail(context.Background(), "vera@example.com")
	if err == nil {
		cust, err = store.NewCustomers(app.pool).ByID(context.Background(), *acct.CustomerID)
	}
	if err != nil || cust.ResellerID == nil || *cust.ResellerID != w.reseller.ID || cust.State != store.StateActive {
		t.Fatalf("the new client: %+v %v", cust, err)
	}
	if n := countRows(t, app, `SELECT count(*) FROM subscriptions WHERE customer_id = $1 AND plan_id = $2 AND state = 'active'`, cust.ID, w.plan.ID); n != 1 {
		t.Fatalf("the free signup's client has %d subscriptions on its plan, want 1 (every customer has one)", n)
	}
	var terms string
	_ = app.pool.QueryRow(context.Background(), `SELECT terms_version || ' ' || terms_ip FROM signups`).Scan(&terms)
	if terms != "1 127.0.0.1" {
		t.Fatalf("terms acceptance recorded as %q", terms)
	}
	if welcome := w.mp.Wait("vera@example.com", 2); !strings.Contains(welcome[0].Subject+welcome[1].Subject, "Welcome") {
		t.Fatal("no welcome mail")
	}
	rAcct, _ := store.NewAccounts(app.pool).ByCustomer(context.Background(), w.reseller.ID)
	if notice := w.mp.Wait(rAcct.Email, 1)[0]; !strings.Contains(notice.Subject, "vera-site.example") {
		t.Fatalf("reseller's notice: %q", notice.Subject)
	}
}
