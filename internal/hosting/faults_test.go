package hosting_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
	"portal/internal/testenv"
)

// faultProxy stands between the portal and ISPConfig and fails a share of the calls: half of the faulted calls
// never reach ISPConfig, half reach it and have their answer lost; each is answered with a 502 or a dropped
// connection.
type faultProxy struct {
	next http.Handler
	on   atomic.Bool
	rate float64

	mu  sync.Mutex
	rnd *rand.Rand

	before, after atomic.Int64
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !p.on.Load() {
		p.next.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	hit, after, drop := p.rnd.Float64() < p.rate, p.rnd.IntN(2) == 0, p.rnd.IntN(2) == 0
	p.mu.Unlock()
	if !hit {
		p.next.ServeHTTP(w, r)
		return
	}
	if after {
		p.after.Add(1)
		p.next.ServeHTTP(httptest.NewRecorder(), r) // ISPConfig does the work; its answer goes nowhere
	} else {
		p.before.Add(1)
	}
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
}

// TestFaults_NothingLostUnderFaults runs 1,000 mixed creates (less those that find nothing to act on), updates and deletes from four clients while 30 % of
// ISPConfig calls fail, with a fixed seed. After the settle jobs have run with the faults off, Postgres and
// ISPConfig agree exactly: no orphans on either side, nothing left pending, every request audited, and every
// error the user saw is a user-facing one.
func TestFaults_NothingLostUnderFaults(t *testing.T) {
	proxy := &faultProxy{rate: 0.3, rnd: rand.New(rand.NewPCG(42, 7))}
	e := testenv.New(t, func(o *testenv.Options) {
		o.Wrap = func(h http.Handler) http.Handler { proxy.next = h; return proxy }
	})
	ctx := context.Background()
	r1 := e.Customer(store.RoleReseller, nil, "r1@example.test")
	r2 := e.Customer(store.RoleReseller, nil, "r2@example.test")
	clients := []store.Customer{
		e.Customer(store.RoleClient, &r1, "a@example.test"), e.Customer(store.RoleClient, &r1, "b@example.test"),
		e.Customer(store.RoleClient, &r2, "c@example.test"), e.Customer(store.RoleClient, nil, "d@example.test"),
	}
	admin := e.Admin()
	proxy.on.Store(true)

	const perWorker = 250
	var requests atomic.Int64
	var wg sync.WaitGroup
	for w, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 99))
			me := e.As(c)
			// pick chooses one of the worker's objects, 0 when it has none.
			pick := func(table string) int64 {
				var id int64
				_ = e.Pool.QueryRow(ctx, `SELECT id FROM `+table+` WHERE customer_id = $1 ORDER BY random() LIMIT 1`, c.ID).Scan(&id)
				return id
			}
			for i := range perWorker {
				name := fmt.Sprintf("w%d-n%d.test", w, rnd.IntN(12))
				op := ops[rnd.IntN(len(ops))]
				var id int64
				if op.on != "" {
					if id = pick(op.on); id == 0 {
						continue // nothing to act on: no request
					}
				}
				err := op.do(ctx, e, me, admin, c, id, name, rnd)
				requests.Add(1)
				if _, ok := fail.As(err); err != nil && !ok && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("worker %d op %d: an error that is not user-facing: %v", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	proxy.on.Store(false)
	t.Logf("%d requests; %d calls failed before reaching ISPConfig, %d after", requests.Load(), proxy.before.Load(), proxy.after.Load())
	if proxy.before.Load() == 0 || proxy.after.Load() == 0 {
		t.Fatal("the proxy injected no faults of one kind")
	}

	// The settle jobs the requests queued, then everything still unsettled.
	rows, err := e.Pool.Query(ctx, `SELECT args FROM river_job WHERE kind = 'settle_object' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []hosting.SettleArgs
	for rows.Next() {
		var raw []byte
		var a hosting.SettleArgs
		if err := rows.Scan(&raw); err != nil || json.Unmarshal(raw, &a) != nil {
			t.Fatalf("settle job args: %v", err)
		}
		jobs = append(jobs, a)
	}
	rows.Close()
	for _, j := range jobs {
		if err := e.Host.Settle(ctx, j.Object, j.ID); err != nil {
			t.Fatalf("settle %s %d: %v", j.Object, j.ID, err)
		}
	}
	if err := e.Host.SettleOlder(ctx, 0); err != nil {
		t.Fatal(err)
	}

	if n := e.Count(`SELECT (SELECT count(*) FROM sites WHERE state <> 'active') + (SELECT count(*) FROM domains WHERE state <> 'active')
		+ (SELECT count(*) FROM mail_domains WHERE state <> 'active') + (SELECT count(*) FROM mailboxes WHERE state <> 'active')
		+ (SELECT count(*) FROM mail_forwards WHERE state <> 'active')`); n != 0 {
		t.Errorf("%d objects not active after settling", n)
	}
	for _, c := range clients {
		group := strconv.FormatInt(*c.ISPGroupID, 10)
		ours := func(q string) []string {
			rows, err := e.Pool.Query(ctx, q, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return out
		}
		theirs := func(table string, row func(map[string]string) string) []string {
			var out []string
			for _, r := range e.Sim.Rows(table) {
				if r["sys_groupid"] == group {
					out = append(out, row(r))
				}
			}
			sort.Strings(out)
			return out
		}
		same(t, c.Email+" sites",
			ours(`SELECT isp_id || ' ' || domain || ' ' || CASE WHEN active THEN 'y' ELSE 'n' END || ' ' || quota_mb FROM sites WHERE customer_id = $1 ORDER BY 1`),
			theirs("web_domain", func(r map[string]string) string {
				return r["domain_id"] + " " + r["domain"] + " " + r["active"] + " " + r["hd_quota"]
			}))
		same(t, c.Email+" mail domains",
			ours(`SELECT isp_id || ' ' || domain || ' ' || CASE WHEN active THEN 'y' ELSE 'n' END FROM mail_domains WHERE customer_id = $1`),
			theirs("mail_domain", func(r map[string]string) string { return r["domain_id"] + " " + r["domain"] + " " + r["active"] }))
		same(t, c.Email+" mailboxes",
			ours(`SELECT isp_id || ' ' || email || ' ' || (quota_mb::bigint * 1048576) FROM mailboxes WHERE customer_id = $1`),
			theirs("mail_user", func(r map[string]string) string { return r["mailuser_id"] + " " + r["email"] + " " + r["quota"] }))
		same(t, c.Email+" forwards",
			ours(`SELECT isp_id || ' ' || kind || ' ' || source || ' ' || destination FROM mail_forwards WHERE customer_id = $1`),
			theirs("mail_forwarding", func(r map[string]string) string {
				return r["forwarding_id"] + " " + r["type"] + " " + r["source"] + " " + r["destination"]
			}))
		same(t, c.Email+" domain entries",
			ours(`SELECT isp_id || ' ' || domain FROM domains WHERE customer_id = $1 ORDER BY 1`),
			theirs("domain", func(r map[string]string) string { return r["domain_id"] + " " + r["domain"] }))
	}
	if n := e.Count(`SELECT count(*) FROM domain_claims d WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.customer_id = d.customer_id AND lower(s.domain) = d.name)
		AND NOT EXISTS (SELECT 1 FROM domains s WHERE s.customer_id = d.customer_id AND lower(s.domain) = d.name)
		AND NOT EXISTS (SELECT 1 FROM mail_domains s WHERE s.customer_id = d.customer_id AND lower(s.domain) = d.name)`); n != 0 {
		t.Errorf("%d claims without an object", n)
	}
	// The usage counters the triggers keep agree with counting every object again.
	if n := e.Count(`SELECT count(*) FROM customers c JOIN usage_counters u ON u.customer_id = c.id
		CROSS JOIN LATERAL (SELECT array_agg(id) AS ids FROM customers WHERE id = c.id OR reseller_id = c.id) o
		WHERE (u.sites, u.mail_domains, u.mailboxes, u.mail_quota_mb, u.mail_aliases, u.domains, u.disk_mb) IS DISTINCT FROM (
			(SELECT count(*) FROM sites WHERE customer_id = ANY(o.ids))::int,
			(SELECT count(*) FROM mail_domains WHERE customer_id = ANY(o.ids))::int,
			(SELECT count(*) FROM mailboxes WHERE customer_id = ANY(o.ids))::int,
			(SELECT coalesce(sum(quota_mb), 0) FROM mailboxes WHERE customer_id = ANY(o.ids))::bigint,
			(SELECT count(*) FROM mail_forwards WHERE kind IN ('alias', 'forward') AND customer_id = ANY(o.ids))::int,
			(SELECT count(*) FROM domains WHERE customer_id = ANY(o.ids))::int,
			(SELECT coalesce(sum(quota_mb), 0) FROM sites WHERE quota_mb > 0 AND customer_id = ANY(o.ids))::bigint)`); n != 0 {
		t.Errorf("%d customers' usage counters differ from their objects", n)
	}
	audited := e.Count(`SELECT count(*) FROM audit_log WHERE action IN ('site.create', 'site.update', 'site.enable',
		'site.disable', 'site.delete', 'domain.create', 'domain.delete', 'mail_domain.create', 'mail_domain.delete',
		'mailbox.create', 'mailbox.quota', 'mailbox.delete', 'mail_forward.create', 'mail_forward.delete')`)
	if int64(audited) != requests.Load() {
		t.Errorf("%d audit entries for %d requests", audited, requests.Load())
	}
}

// faultOp is one write of the mix; on names the table of the object it acts on ("" for creates).
type faultOp struct {
	on string
	do func(ctx context.Context, e *testenv.Env, me, admin hosting.Actor, c store.Customer, id int64, name string, rnd *rand.Rand) error
}

// ops is the mix, with creates weighted so that objects accumulate.
var ops = func() []faultOp {
	siteIn := hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}
	list := []struct {
		weight int
		op     faultOp
	}{
		{6, faultOp{"", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, _ int64, name string, _ *rand.Rand) error {
			_, err := e.Host.CreateSite(ctx, me, hosting.NewSite{Domain: name, Active: true, SiteSettings: siteIn})
			return err
		}}},
		{3, faultOp{"sites", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, rnd *rand.Rand) error {
			return e.Host.SetSiteActive(ctx, me, id, rnd.IntN(2) == 0)
		}}},
		{3, faultOp{"sites", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, rnd *rand.Rand) error {
			return e.Host.UpdateSite(ctx, me, id, hosting.SiteSettings{PHP: "php-fpm", QuotaMB: strconv.Itoa(100 + rnd.IntN(900)), TrafficMB: "-1"})
		}}},
		{3, faultOp{"sites", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, _ *rand.Rand) error {
			return e.Host.DeleteSite(ctx, me, id)
		}}},
		{3, faultOp{"", func(ctx context.Context, e *testenv.Env, _, admin hosting.Actor, c store.Customer, _ int64, name string, _ *rand.Rand) error {
			_, err := e.Host.CreateDomain(ctx, admin, strconv.FormatInt(c.ID, 10), "d"+name)
			return err
		}}},
		{2, faultOp{"domains", func(ctx context.Context, e *testenv.Env, _, admin hosting.Actor, _ store.Customer, id int64, _ string, _ *rand.Rand) error {
			return e.Host.DeleteDomain(ctx, admin, id)
		}}},
		{3, faultOp{"", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, _ int64, name string, _ *rand.Rand) error {
			_, err := e.Host.CreateMailDomain(ctx, me, hosting.NewMailDomain{Domain: "m" + name})
			return err
		}}},
		{3, faultOp{"mail_domains", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, rnd *rand.Rand) error {
			_, err := e.Host.CreateMailbox(ctx, me, id, hosting.NewMailbox{Local: fmt.Sprintf("u%d", rnd.IntN(5)),
				Name: "Box", Password: "Sup3r-Secret-Pw", QuotaMB: strconv.Itoa(10 + rnd.IntN(90))})
			return err
		}}},
		{2, faultOp{"mail_domains", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, rnd *rand.Rand) error {
			_, _, err := e.Host.CreateForward(ctx, me, id, hosting.NewForward{Kind: store.ForwardForward,
				Local: fmt.Sprintf("f%d", rnd.IntN(5)), Destination: "someone@elsewhere.test"})
			return err
		}}},
		{2, faultOp{"mailboxes", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, rnd *rand.Rand) error {
			_, err := e.Host.SetMailboxQuota(ctx, me, id, strconv.Itoa(10+rnd.IntN(90)))
			return err
		}}},
		{1, faultOp{"mailboxes", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, _ *rand.Rand) error {
			return e.Host.DeleteMailbox(ctx, me, id)
		}}},
		{1, faultOp{"mail_forwards", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, _ *rand.Rand) error {
			return e.Host.DeleteForward(ctx, me, id)
		}}},
		{1, faultOp{"mail_domains", func(ctx context.Context, e *testenv.Env, me, _ hosting.Actor, _ store.Customer, id int64, _ string, _ *rand.Rand) error {
			return e.Host.DeleteMailDomain(ctx, me, id, true)
		}}},
	}
	var out []faultOp
	for _, l := range list {
		for range l.weight {
			out = append(out, l.op)
		}
	}
	return out
}()

func same(t *testing.T, what string, a, b []string) {
	t.Helper()
	sort.Strings(a)
	sort.Strings(b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("%s differ:\n postgres: %v\n ispconfig: %v", what, a, b)
	}
}
