package hosting_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/hosting"
	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/testenv"
)

// env is testenv's services under the short names these tests use, plus customers that carry their actor.
type env struct {
	*testenv.Env
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
	te := testenv.New(t, func(o *testenv.Options) {
		for _, f := range opts {
			f(&o.Settings)
		}
	})
	return &env{Env: te, t: t, ctx: context.Background(), pool: te.Pool, sim: te.Sim, isp: te.ISP, ten: te.Ten,
		svc: te.Host, platform: te.Platform, admin: te.Admin()}
}

// unlimited is a plan with every limit unlimited; tests copy it and lower what they test.
var unlimited = testenv.Unlimited

// plan creates a plan: the operator's when reseller is nil.
func (e *env) plan(reseller *store.Customer, audience store.Role, l store.Limits) store.Plan {
	e.t.Helper()
	e.plans++
	return e.Plan(reseller, audience, fmt.Sprintf("plan %d", e.plans), l)
}

// customer is an active customer created through tenancy (so it exists in the simulator), with the actor of its
// sign-in.
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
	c := e.Customer(kind, reseller, name+"@example.com", e.plan(reseller, kind, limits))
	return customer{Customer: c, actor: e.As(c)}
}

// count runs a count query.
func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	return e.Count(q, args...)
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
