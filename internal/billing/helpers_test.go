package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"portal/internal/billing"
	"portal/internal/hosting"
	"portal/internal/store"
	"portal/internal/testenv"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(day string) {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.t = t.Add(10 * time.Hour)
	c.mu.Unlock()
}

// env is a testenv with the billing service wired as serve wires it.
type env struct {
	*testenv.Env
	B     *billing.Service
	Clock *clock
}

var seq atomic.Int64

// unique gives each test's addresses a distinct name: the shared mailpit sees every test's mail.
func unique(name string) string {
	return fmt.Sprintf("%s-%d-%d@example.test", name, time.Now().UnixNano()%1e9, seq.Add(1))
}

func newEnv(t *testing.T, smtp string, jobs bool) *env {
	t.Helper()
	out := &env{Clock: &clock{}}
	out.Clock.Set("2026-01-01")
	out.Env = testenv.New(t, func(o *testenv.Options) {
		o.SMTP = smtp
		o.BeforeJobs = func(e *testenv.Env) []func(*river.Workers) {
			out.B = billing.New(e.Pool, e.Ten, e.Mail, "http://portal.test", nil)
			out.B.Now = out.Clock.Now
			return []func(*river.Workers){out.B.AddWorkers}
		}
	})
	out.B.SetJobs(out.Jobs)
	out.Ten.PlanChange = out.B.OnPlanChange
	out.Ten.Created = out.B.OnCreate
	if jobs {
		out.StartJobs()
	}
	return out
}

// price sets a plan's retail monthly price.
func (e *env) price(p store.Plan, kind string, amount, setup int64) {
	e.T.Helper()
	if err := store.NewBilling(e.Pool).SetPrice(context.Background(), store.Price{PlanID: p.ID, Kind: kind,
		Cycle: store.CycleMonthly, Currency: "EUR", AmountMinor: amount, SetupFeeMinor: setup}); err != nil {
		e.T.Fatal(err)
	}
}

// vat sets an issuer's VAT rate and country.
func (e *env) vat(resellerID *int64, country string, bp int64) {
	e.T.Helper()
	ctx := context.Background()
	b := store.NewBilling(e.Pool)
	iss, err := b.Issuer(ctx, resellerID, false)
	if err != nil {
		e.T.Fatal(err)
	}
	iss.Country, iss.VATRateBP = country, bp
	if err := b.SaveIssuer(ctx, iss); err != nil {
		e.T.Fatal(err)
	}
}

func (e *env) run() {
	e.T.Helper()
	if err := e.B.Run(context.Background()); err != nil {
		e.T.Fatal(err)
	}
}

func (e *env) subscribe(c store.Customer, start string) store.Subscription {
	e.T.Helper()
	d, _ := time.Parse(time.DateOnly, start)
	sub, err := e.B.Subscribe(context.Background(), c.ID, store.CycleMonthly, d)
	if err != nil {
		e.T.Fatal(err)
	}
	return sub
}

// invoices lists a customer's issued documents, oldest first.
func (e *env) invoices(c store.Customer) []store.Invoice {
	e.T.Helper()
	ctx := context.Background()
	rows, err := e.Pool.Query(ctx, `SELECT id FROM invoices WHERE customer_id = $1 AND state <> 'draft' ORDER BY id`, c.ID)
	if err != nil {
		e.T.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		e.T.Fatal(err)
	}
	var out []store.Invoice
	for _, id := range ids {
		inv, err := store.NewBilling(e.Pool).Invoice(ctx, id, false)
		if err != nil {
			e.T.Fatal(err)
		}
		out = append(out, inv)
	}
	return out
}

func (e *env) invoice(id int64) store.Invoice {
	e.T.Helper()
	inv, err := store.NewBilling(e.Pool).Invoice(context.Background(), id, false)
	if err != nil {
		e.T.Fatal(err)
	}
	return inv
}

func (e *env) credit(c store.Customer) int64 {
	e.T.Helper()
	n, err := store.NewBilling(e.Pool).CreditBalance(context.Background(), c.ID, "EUR")
	if err != nil {
		e.T.Fatal(err)
	}
	return n
}

// pay applies a payment in its own transaction, as the Stripe webhook does with its event.
func (e *env) pay(p billing.Payment) error {
	return pgx.BeginFunc(context.Background(), e.Pool, func(tx pgx.Tx) error { return e.B.ApplyPayment(context.Background(), tx, p) })
}

// waitFor polls cond (a database read) until it holds, failing after 45 s: the river job it waits for runs
// in the background; there is no sleep standing in for synchronisation.
func (e *env) waitFor(what string, cond func() bool) {
	e.T.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.T.Fatalf("after 45s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newSite(e *env, c store.Customer, domain string, active bool) int64 {
	e.T.Helper()
	id, err := e.Host.CreateSite(context.Background(), e.As(c), hosting.NewSite{Domain: domain, Active: active,
		SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}})
	if err != nil {
		e.T.Fatal(err)
	}
	return id
}

func siteActiveInISP(e *env, id int64) string {
	e.T.Helper()
	var ispID int
	if err := e.Pool.QueryRow(context.Background(), `SELECT isp_id FROM sites WHERE id = $1`, id).Scan(&ispID); err != nil {
		e.T.Fatal(err)
	}
	return fmt.Sprint(e.Sim.Row("web_domain", ispID)["active"])
}

func jsonRoundTrip(d billing.Document, out *billing.Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func jsonUnmarshal(s string, out any) error { return json.Unmarshal([]byte(s), out) }

func itoa(n int64) string { return fmt.Sprint(n) }

// billedClient is a new client (of reseller, or the operator's when nil) on plan, subscribed from 2026-01-01 and
// invoiced by a run.
func (e *env) billedClient(reseller *store.Customer, name string, plan store.Plan) store.Customer {
	e.T.Helper()
	c := e.Customer(store.RoleClient, reseller, unique(name), plan)
	e.subscribe(c, "2026-01-01")
	e.run()
	return c
}

// plansAB are two operator client plans, A at 30.00 and B at 60.00 a month.
func (e *env) plansAB() (a, b store.Plan) {
	e.T.Helper()
	a = e.Plan(nil, store.RoleClient, "A", testenv.Unlimited)
	b = e.Plan(nil, store.RoleClient, "B", testenv.Unlimited)
	e.price(a, store.PriceRetail, 3000, 0)
	e.price(b, store.PriceRetail, 6000, 0)
	return a, b
}

// pricedPlan is an operator client plan at amount a month.
func (e *env) pricedPlan(name string, amount int64) store.Plan {
	e.T.Helper()
	p := e.Plan(nil, store.RoleClient, name, testenv.Unlimited)
	e.price(p, store.PriceRetail, amount, 0)
	return p
}

// waitLockWaiter waits until a backend of the test's database waits for an advisory lock (a customer's).
func (e *env) waitLockWaiter(what string) {
	e.T.Helper()
	e.waitFor(what, func() bool {
		return e.Count(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`) > 0
	})
}
