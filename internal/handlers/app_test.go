package handlers

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/billing"
	"portal/internal/billing/stripepay"
	"portal/internal/dbtest"
	"portal/internal/factors"
	"portal/internal/hosting"
	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/mailer"
	"portal/internal/signup"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/testenv"
)

// testApp is the real router on a fresh database, with the ISPConfig simulator behind the real client.
type testApp struct {
	t      testing.TB
	srv    *httptest.Server
	pool   *pgxpool.Pool
	h      *Handler
	sim    *ispsim.Sim
	hasher *auth.Hasher
	now    time.Time // the handler's clock; zero means the real time

	isp      *ispapi.Client
	health   *PlatformHealth
	tenancy  *tenancy.Service
	hosting  *hosting.Service
	mail     *mailer.Service
	access   *access.Service
	signup   *signup.Service
	factors  *factors.Service
	billing  *billing.Service
	jobs     *river.Client[pgx.Tx]
	platform store.Platform
	env      *testenv.Env
}

// withSMTP sends the app's mail to smtpURL (a mailtest.Mailpit's SMTPURL) instead of holding it in the outbox.
func withSMTP(smtpURL string) appOption {
	return func(o *Options) { o.Mail = newMailer(o.Pool, smtpURL) }
}

func newMailer(pool *pgxpool.Pool, smtpURL string) *mailer.Service {
	smtp, err := mailer.ParseURL(smtpURL)
	if err != nil {
		panic(err)
	}
	m, err := mailer.New(pool, mailer.Config{SMTP: smtp, From: "Test Operator <portal@example.test>"}, nil)
	if err != nil {
		panic(err)
	}
	m.RetryBase, m.RetryMax = 100*time.Millisecond, time.Second
	return m
}

type appOption func(*Options)

// onLocalhost as the BaseURL an option sets makes the app's public address http://localhost:port (passkeys need a
// host name) instead of http://127.0.0.1:port.
const onLocalhost = "localhost"

// withLocalhost makes the app's public address http://localhost:port.
func withLocalhost(o *Options) { o.BaseURL = onLocalhost }

func newApp(t testing.TB, opts ...appOption) *testApp {
	t.Helper()
	a := &testApp{t: t, hasher: auth.NewHasher(8 * 1024), health: &PlatformHealth{}}
	pool := dbtest.New(t)
	o := Options{
		Pool: pool, Hasher: a.hasher, Health: a.health, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		LoginMaxFailures: 5, LoginLockout: 15 * time.Minute, LoginRatePerIP: 1000, LoginRatePerAccount: 1000,
		Now: func() time.Time {
			if !a.now.IsZero() {
				return a.now
			}
			return time.Now()
		},
	}
	for _, f := range opts {
		f(&o)
	}
	pool = o.Pool // an option may have put a traced pool in its place
	if o.Mail == nil {
		o.Mail = newMailer(pool, "off")
	}
	// The services are wired as serve wires them (internal/testenv), with the health flag fed by every call, and
	// the portal's own links pointing at this server.
	a.srv = httptest.NewUnstartedServer(nil)
	addr := a.srv.Listener.Addr().(*net.TCPAddr)
	if o.BaseURL == onLocalhost {
		// WebAuthn accepts no IP address as the relying party: browsers reach the server as localhost.
		o.BaseURL = fmt.Sprintf("http://localhost:%d", addr.Port)
	} else {
		o.BaseURL = "http://" + addr.String()
	}
	a.env = testenv.New(t, func(eo *testenv.Options) {
		eo.Pool, eo.Mail, eo.Observe = pool, o.Mail, a.health.Observe
		eo.Settings = hosting.Settings{DomainLimit: o.Settings.DomainLimit,
			DomainLimitSubdomains: o.Settings.DomainLimitSubdomains, PHPModes: o.Settings.PHPModes}
		eo.BeforeJobs = func(e *testenv.Env) []func(*river.Workers) {
			a.access = access.New(pool, e.Mail, a.hasher, o.BaseURL, nil)
			e.Ten.Invite = a.access.InviteTx
			e.Ten.Hasher = a.hasher
			e.Ten.SuspensionNotice = a.access.SuspensionNoticeTx
			a.signup = signup.New(pool, e.Ten, e.Host, e.Mail, a.hasher, e.Platform.ID, o.BaseURL, nil)
			a.signup.Limits.MinFill = 0 // tests that check the fill time set it
			a.billing = billing.New(pool, e.Ten, e.Mail, o.BaseURL, nil)
			e.Ten.PlanChange = a.billing.OnPlanChange
			e.Ten.Created = a.billing.OnCreate
			a.billing.OnPaid = a.signup.InvoicePaid
			a.signup.Payment = a.billing
			return []func(*river.Workers){a.signup.AddWorkers, a.billing.AddWorkers}
		}
	})
	a.pool, a.sim, a.isp, a.platform = a.env.Pool, a.env.Sim, a.env.ISP, a.env.Platform
	a.tenancy, a.hosting, a.mail, a.jobs = a.env.Ten, a.env.Host, a.env.Mail, a.env.Jobs
	a.signup.SetJobs(a.jobs)
	a.billing.SetJobs(a.jobs)
	hash, err := a.hasher.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	a.env.PasswordHash = hash // customers sign in with pw
	a.hosting.Down = func(int64) bool { return a.health.Down() }

	o.Sessions, _ = NewSessions(a.pool, 30*time.Minute, 12*time.Hour, false, 0)
	o.Pool, o.ISP, o.Tenancy, o.Hosting, o.Platform = a.pool, a.isp, a.tenancy, a.hosting, a.platform
	o.Mail, o.Access, o.Signup, o.Billing = a.mail, a.access, a.signup, a.billing
	if o.Factors == nil {
		a.factors = factors.New(a.pool, testBox(t), a.mail, o.BaseURL, nil)
		o.Factors = a.factors
	}
	if o.Payments == nil {
		o.Payments = stripepay.New(a.pool, a.billing, stripepay.Invoices(a.billing), stripepay.Config{Box: testBox(t), Backend: testStripe(t), BaseURL: o.BaseURL, Now: o.Now})
	}
	a.billing.PayOnline = o.Payments.Available
	a.h = New(o)
	a.srv.Config.Handler = a.h.Routes()
	a.srv.Start()
	t.Cleanup(a.srv.Close)
	return a
}

// startJobs works river jobs (mail delivery among them) until the test ends.
func (a *testApp) startJobs() {
	a.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.jobs.Start(ctx); err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = a.jobs.Stop(sctx)
		cancel()
	})
}

// platformDown makes the simulator answer like a panel behind a proxy that is down, and lets the health probe
// notice (as its 30-second probe does).
func (a *testApp) platformDown() {
	a.sim.SetFault("", ispsim.Fault{Kind: ispsim.FaultDown})
	_ = a.isp.Probe(context.Background())
}

// platformUp clears every fault and lets the probe notice.
func (a *testApp) platformUp() {
	a.sim.ClearFaults()
	if err := a.isp.Probe(context.Background()); err != nil {
		a.t.Fatalf("probe after clearing faults: %v", err)
	}
}

// account creates a portal account with a password.
func (a *testApp) account(email string, role store.Role, password string) store.Account {
	a.t.Helper()
	hash, err := a.hasher.Hash(password)
	if err != nil {
		a.t.Fatal(err)
	}
	acct, err := store.NewAccounts(a.pool).Create(context.Background(), email, "Test "+string(role), role, hash)
	if err != nil {
		a.t.Fatal(err)
	}
	return acct
}

// auditCount counts audit rows with action and outcome (outcome "" matches any).
func (a *testApp) auditCount(action, outcome string) int {
	a.t.Helper()
	var n int
	err := a.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE action = $1 AND ($2 = '' OR outcome = $2)`, action, outcome).Scan(&n)
	if err != nil {
		a.t.Fatal(err)
	}
	return n
}

// attemptCount sums attempt_counts rows of scope (all keys, all windows).
func (a *testApp) attemptCount(scope string) int {
	a.t.Helper()
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT coalesce(sum(count), 0) FROM attempt_counts WHERE scope = $1`, scope).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// browser is one user agent with its own cookie jar; it does not follow redirects, so tests see them.
type browser struct {
	t    testing.TB
	app  *testApp
	c    *http.Client
	hdrs map[string]string
	base string // the server this browser talks to; "" is the app's
}

func (b *browser) url() string {
	if b.base != "" {
		return b.base
	}
	return b.app.srv.URL
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, app: a, hdrs: map[string]string{}, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a finished response with its body read.
type response struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	for k, v := range b.hdrs {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, string(body)}
}

// link is the href of the link with data-testid testid in r's body, or "" without one.
func (r response) link(testid string) string {
	i := strings.Index(r.body, `data-testid="`+testid+`"`)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(r.body[:i], `<a href="`)
	if j < 0 {
		return ""
	}
	href := r.body[j+len(`<a href="`):]
	return html.UnescapeString(href[:strings.IndexByte(href, '"')])
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.url()+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	return b.postRaw(path, "application/x-www-form-urlencoded", form.Encode())
}

func (b *browser) postRaw(path, contentType, body string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.url()+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return b.do(req)
}

func (b *browser) login(email, password string) response {
	b.t.Helper()
	return b.post("/login", url.Values{"email": {email}, "password": {password}})
}

// mustLogin signs in and fails the test unless it redirects to want.
func (b *browser) mustLogin(email, password, want string) {
	b.t.Helper()
	resp := b.login(email, password)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		b.t.Fatalf("login %s: status %d location %q, want 303 to %s; body: %.300s", email, resp.StatusCode,
			resp.Header.Get("Location"), want, resp.body)
	}
}

// sessionToken is the current session cookie's value.
func (b *browser) sessionToken() string {
	u, _ := url.Parse(b.app.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "portal_session" {
			return c.Value
		}
	}
	return ""
}

func (a *testApp) sessionExists(token string) bool {
	a.t.Helper()
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM sessions WHERE token = $1`, token).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n > 0
}

const pw = "correct horse battery"

// unlimited is a plan with every limit unlimited.
var unlimited = store.Limits{MaxDiskMB: -1, MaxClients: store.Unlimited, MaxSites: store.Unlimited, MaxMailDomains: store.Unlimited,
	MaxMailboxes: store.Unlimited, MaxMailQuotaMB: store.Unlimited, MaxMailAliases: store.Unlimited,
	MaxDomains: store.Unlimited, SiteQuotaMB: store.Unlimited}

// plan creates a plan: the operator's when reseller is nil.
func (a *testApp) plan(reseller *store.Customer, audience store.Role, name string, l store.Limits) store.Plan {
	a.t.Helper()
	return a.env.Plan(reseller, audience, name, l)
}

// customer creates an active reseller (reseller nil, kind reseller), an operator's client (reseller nil, kind
// client) or a reseller's client through the tenancy service, with a sign-in email/pw. Unlimited plans unless
// planID is given.
func (a *testApp) customer(kind store.Role, reseller *store.Customer, email string, planID ...int64) store.Customer {
	a.t.Helper()
	var plans []store.Plan
	if len(planID) > 0 {
		p, err := store.NewPlans(a.pool).ByID(context.Background(), planID[0])
		if err != nil {
			a.t.Fatal(err)
		}
		plans = append(plans, p)
	}
	return a.env.Customer(kind, reseller, email, plans...)
}
