// Package testenv builds the services the way serve wires them, for tests without HTTP: a fresh migrated Postgres
// (internal/dbtest), the ISPConfig simulator behind a real HTTP server and the real client, the tenancy and hosting
// services, and customers made through the tenancy service. Only tests import it.
package testenv

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/dbtest"
	"portal/internal/hosting"
	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// Unlimited is a plan without limits (clients are allowed on reseller plans only).
var Unlimited = store.Limits{MaxClients: -1, MaxSites: -1, MaxMailDomains: -1, MaxMailboxes: -1, MaxMailQuotaMB: -1,
	MaxMailAliases: -1, MaxDomains: -1, SiteQuotaMB: -1, MaxDiskMB: -1}

// Env is one test's services.
type Env struct {
	T        testing.TB
	Pool     *pgxpool.Pool
	Sim      *ispsim.Sim // nil with Options.URL
	ISP      *ispapi.Client
	Ten      *tenancy.Service
	Host     *hosting.Service
	Platform store.Platform
	// Mail is the mailer: held in the outbox unless Options.SMTP names a server (a mailtest.Mailpit's SMTPURL).
	Mail *mailer.Service
	// Jobs is the river client; StartJobs works jobs until the test ends.
	Jobs *river.Client[pgx.Tx]
	// Access runs invitations, resets and email changes; its links start with http://portal.test.
	Access *access.Service
	// Upstream is the simulator's URL; a test may put a proxy in front of it with Options.Wrap.
	Upstream string
	// PasswordHash is the sign-in hash new customers get (by default one no password matches).
	PasswordHash string
}

// Options change how an Env is built.
type Options struct {
	Settings hosting.Settings
	// Wrap, when set, wraps the simulator's handler (a fault-injecting proxy, for example).
	Wrap func(http.Handler) http.Handler
	// Sim, when set, is used instead of a new simulator: two Envs (two portal databases) can share one ISPConfig.
	Sim *ispsim.Sim
	// Observe, when set, sees every ISPConfig call's outcome (a health flag, for example).
	Observe func(fn string, d time.Duration, err error)
	// SMTP is the PORTAL_SMTP_URL the mailer sends with; "" keeps messages in the outbox (off).
	SMTP string
	// Pool and Mail, when set, are used instead of a fresh database and a mailer built from SMTP.
	Pool *pgxpool.Pool
	Mail *mailer.Service
	// BeforeJobs, when set, runs once the services exist and returns more workers for the job client (services a
	// test builds on top of these, such as signup).
	BeforeJobs func(e *Env) []func(*river.Workers)
	// URL, User and Password, when URL is set, point the services at a real ISPConfig's remote API instead of the
	// simulator (Sim is nil then).
	URL, User, Password string
}

// New builds an Env.
func New(t testing.TB, opts ...func(*Options)) *Env {
	t.Helper()
	var o Options
	for _, f := range opts {
		f(&o)
	}
	e := &Env{T: t, Pool: o.Pool, PasswordHash: "$argon2id$unused"}
	if e.Pool == nil {
		e.Pool = dbtest.New(t)
	}
	url, user, pass, endpoint := o.URL, o.User, o.Password, o.URL
	if url == "" {
		if e.Sim = o.Sim; e.Sim == nil {
			e.Sim = ispsim.New()
			e.Sim.AddRemoteUser("portal", "sim-secret", "")
		}
		var h http.Handler = e.Sim
		if o.Wrap != nil {
			h = o.Wrap(h)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		e.Upstream = srv.URL
		url, user, pass, endpoint = srv.URL+"/remote/json.php", "portal", "sim-secret", srv.URL
	}
	var err error
	e.ISP, err = ispapi.New(ispapi.Config{URL: url, Username: user, Password: pass, ReadRetries: -1, Observe: o.Observe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.ISP.Close(context.Background()) })
	e.Platform, err = store.NewPlatforms(e.Pool).Ensure(context.Background(), store.Platform{Name: "default", Endpoint: endpoint, WebServerID: 1, MailServerID: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.Ten = tenancy.New(e.Pool, map[int64]tenancy.ISP{e.Platform.ID: e.ISP}, nil)
	e.Host = hosting.New(e.Pool, e.Ten, o.Settings, nil)
	e.Host.SettleAfter = 0 // tests settle at once; they move no clock
	if o.SMTP == "" {
		o.SMTP = "off"
	}
	if e.Mail = o.Mail; e.Mail == nil {
		smtp, err := mailer.ParseURL(o.SMTP)
		if err != nil {
			t.Fatal(err)
		}
		if e.Mail, err = mailer.New(e.Pool, mailer.Config{SMTP: smtp, From: "Test Operator <portal@example.test>"}, nil); err != nil {
			t.Fatal(err)
		}
		e.Mail.RetryBase, e.Mail.RetryMax = 100*time.Millisecond, time.Second
	}
	hasher := auth.NewHasher(8 * 1024)
	e.Access = access.New(e.Pool, e.Mail, hasher, "http://portal.test", nil)
	e.Ten.Hasher = hasher
	e.Ten.Invite = e.Access.InviteTx
	e.Ten.SuspensionNotice = e.Access.SuspensionNoticeTx
	workers := []func(*river.Workers){e.Host.AddWorkers, e.Mail.AddWorkers}
	if o.BeforeJobs != nil {
		workers = append(workers, o.BeforeJobs(e)...)
	}
	if e.Jobs, err = tenancy.NewJobs(e.Pool, e.Ten, nil, workers...); err != nil {
		t.Fatal(err)
	}
	e.Mail.SetJobs(e.Jobs)
	return e
}

// StartJobs works river jobs (mail delivery, provisioning, settling) until the test ends.
func (e *Env) StartJobs() {
	e.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Jobs.Start(ctx); err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = e.Jobs.Stop(sctx)
		cancel()
	})
}

// Plan creates a plan: an operator's (reseller nil) or a reseller's, for resellers or clients.
func (e *Env) Plan(reseller *store.Customer, audience store.Role, name string, l store.Limits) store.Plan {
	e.T.Helper()
	p := store.Plan{Audience: audience, Name: name, Limits: l}
	if reseller != nil {
		p.ResellerID = &reseller.ID
	}
	if audience == store.RoleClient {
		p.MaxClients = 0
	}
	out, err := store.NewPlans(e.Pool).Create(context.Background(), p)
	if err != nil {
		e.T.Fatal(err)
	}
	return out
}

// Customer creates an active reseller (kind reseller), an operator's client (reseller nil) or a reseller's client
// through the tenancy service, with a sign-in for email. Its plan is unlimited unless plan is given.
func (e *Env) Customer(kind store.Role, reseller *store.Customer, email string, plan ...store.Plan) store.Customer {
	e.T.Helper()
	var pid int64
	if len(plan) > 0 {
		pid = plan[0].ID
	} else {
		pid = e.Plan(reseller, kind, "plan for "+email, Unlimited).ID
	}
	in := tenancy.NewCustomer{Kind: kind, PlatformID: e.Platform.ID, PlanID: pid, Name: "Name of " + email,
		Email: email, Username: Username(email), PasswordHash: e.PasswordHash}
	if reseller != nil {
		in.ResellerID, in.PlatformID = &reseller.ID, reseller.PlatformID // a client lives on its reseller's platform
	}
	c, err := e.Ten.Create(context.Background(), in)
	if err != nil {
		e.T.Fatalf("create %s %s: %v", kind, email, err)
	}
	if c.State != store.StateActive {
		e.T.Fatalf("%s %s: state %s (%s), want active", kind, email, c.State, c.StateDetail)
	}
	return c
}

// Reload reads a customer again.
func (e *Env) Reload(c store.Customer) store.Customer {
	e.T.Helper()
	out, err := store.NewCustomers(e.Pool).ByID(context.Background(), c.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	return out
}

// As is the actor of a customer's own sign-in.
func (e *Env) As(c store.Customer) hosting.Actor {
	e.T.Helper()
	a, err := store.NewAccounts(e.Pool).ByCustomer(context.Background(), c.ID)
	if err != nil {
		e.T.Fatalf("account of customer %d: %v", c.ID, err)
	}
	return hosting.Actor{Acting: a, Effective: a, IP: "192.0.2.1"}
}

// Admin is an admin's actor (the account is created on first use).
func (e *Env) Admin() hosting.Actor {
	e.T.Helper()
	ctx := context.Background()
	a, err := store.NewAccounts(e.Pool).ByEmail(ctx, "admin@example.test")
	if err != nil {
		a, err = store.NewAccounts(e.Pool).Create(ctx, "admin@example.test", "Admin", store.RoleAdmin, "$argon2id$unused")
	}
	if err != nil {
		e.T.Fatal(err)
	}
	return hosting.Actor{Acting: a, Effective: a, IP: "192.0.2.1"}
}

// Count runs a counting query.
func (e *Env) Count(q string, args ...any) int {
	e.T.Helper()
	var n int
	if err := e.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		e.T.Fatalf("%s: %v", q, err)
	}
	return n
}

// Username derives a valid ISPConfig username from an email.
func Username(email string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(email) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// SyncBuffer is a bytes.Buffer that a server's goroutines may write to (a log) while the test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func (s *SyncBuffer) Reset() { s.mu.Lock(); defer s.mu.Unlock(); s.b.Reset() }
