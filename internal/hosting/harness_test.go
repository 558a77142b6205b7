package hosting_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/dbtest"
	"portal/internal/hosting"
	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// env is a hosting service over a fresh, migrated Postgres and an ISPConfig simulator, without HTTP. Tests of any
// kind (sites, domains, mail, the registry) share it.
type env struct {
	t        testing.TB
	ctx      context.Context
	pool     *pgxpool.Pool
	sim      *ispsim.Sim
	isp      *ispapi.Client
	ten      *tenancy.Service
	svc      *hosting.Service
	platform store.Platform
	admin    hosting.Actor
	plans    int // plans made so far, for unique names
}

// envOption adjusts the service's settings before it is built.
type envOption func(*hosting.Settings)

// withDomainLimit turns the operator's domain limit on (sites and mail domains only on allowed domains).
func withDomainLimit(subdomains bool) envOption {
	return func(s *hosting.Settings) { s.DomainLimit, s.DomainLimitSubdomains = true, subdomains }
}

func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), pool: dbtest.New(t), sim: ispsim.New()}
	e.sim.AddRemoteUser("portal", "sim-secret", "")
	srv := httptest.NewServer(e.sim)
	t.Cleanup(srv.Close)
	var err error
	e.isp, err = ispapi.New(ispapi.Config{URL: srv.URL + "/remote/json.php", Username: "portal", Password: "sim-secret", ReadRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	e.platform, err = store.NewPlatforms(e.pool).Ensure(e.ctx, store.Platform{Name: "default", Endpoint: srv.URL, WebServerID: 1, MailServerID: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.ten = tenancy.New(e.pool, map[int64]tenancy.ISP{e.platform.ID: e.isp}, nil)
	var set hosting.Settings
	for _, o := range opts {
		o(&set)
	}
	e.svc = hosting.New(e.pool, e.ten, set, nil)
	if _, err := tenancy.NewJobs(e.pool, e.ten, nil, e.svc.AddWorkers); err != nil {
		t.Fatal(err)
	}
	admin, err := store.NewAccounts(e.pool).Create(e.ctx, "admin@example.com", "Admin", store.RoleAdmin, "x")
	if err != nil {
		t.Fatal(err)
	}
	e.admin = hosting.Actor{Acting: admin, Effective: admin, IP: "192.0.2.1"}
	return e
}

// unlimited is a plan with every limit unlimited; tests copy it and lower what they test.
var unlimited = store.Limits{MaxClients: store.Unlimited, MaxSites: store.Unlimited, MaxMailDomains: store.Unlimited,
	MaxMailboxes: store.Unlimited, MaxMailQuotaMB: store.Unlimited, MaxMailAliases: store.Unlimited,
	MaxDomains: store.Unlimited, SiteQuotaMB: store.Unlimited}

// plan creates a plan: the operator's when reseller is nil.
func (e *env) plan(reseller *store.Customer, audience store.Role, l store.Limits) store.Plan {
	e.t.Helper()
	e.plans++
	p := store.Plan{Audience: audience, Name: fmt.Sprintf("plan %d", e.plans), Limits: l}
	if reseller != nil {
		p.ResellerID = &reseller.ID
	}
	if audience == store.RoleClient {
		p.MaxClients = 0
	}
	out, err := store.NewPlans(e.pool).Create(e.ctx, p)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// customer is an active customer created through tenancy (so it exists in the simulator), with a sign-in account
// whose actor it returns.
type customer struct {
	store.Customer
	actor hosting.Actor
}

// reseller creates an active reseller on plan l (unlimited when l is nil).
func (e *env) reseller(name string, l *store.Limits) customer {
	e.t.Helper()
	return e.customer(store.RoleReseller, nil, name, l)
}

// client creates an active client of reseller (nil: the operator's own) on plan l (unlimited when l is nil).
func (e *env) client(reseller *customer, name string, l *store.Limits) customer {
	e.t.Helper()
	var r *store.Customer
	if reseller != nil {
		r = &reseller.Customer
	}
	return e.customer(store.RoleClient, r, name, l)
}

func (e *env) customer(kind store.Role, reseller *store.Customer, name string, l *store.Limits) customer {
	e.t.Helper()
	limits := unlimited
	if l != nil {
		limits = *l
	}
	email := name + "@example.com"
	in := tenancy.NewCustomer{Kind: kind, PlatformID: e.platform.ID, PlanID: e.plan(reseller, kind, limits).ID,
		Name: "Name of " + name, Email: email, Username: name, PasswordHash: "x"}
	if reseller != nil {
		in.ResellerID = &reseller.ID
	}
	c, err := e.ten.Create(e.ctx, in)
	if err != nil {
		e.t.Fatalf("create %s %s: %v", kind, name, err)
	}
	if c.State != store.StateActive {
		e.t.Fatalf("%s %s: state %s (%s), want active", kind, name, c.State, c.StateDetail)
	}
	acct, err := store.NewAccounts(e.pool).ByEmail(e.ctx, email)
	if err != nil {
		e.t.Fatalf("account of %s: %v", name, err)
	}
	return customer{Customer: c, actor: hosting.Actor{Acting: acct, Effective: acct, IP: "192.0.2.2"}}
}

// count runs a count query.
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(e.ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// exec runs a statement.
func (e *env) exec(q string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(e.ctx, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
}

// suspend marks c as suspended by the admin, directly in Postgres (the rules under test read only the flag).
func (e *env) suspend(c customer) {
	e.t.Helper()
	e.exec(`UPDATE customers SET suspended_self = true, suspended_by = 'admin' WHERE id = $1`, c.ID)
}
