// Package loadbench measures signed-in pages under concurrency against the throwaway Postgres, and the same pages'
// own SQL run directly with pgx at the same concurrency, so a page's cost can be read as a ratio of its SQL's.
// It runs only as a benchmark (`make bench-load`), never in `make test`.
package loadbench_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/billing"
	"portal/internal/dbtest"
	"portal/internal/gctune"
	"portal/internal/handlers"
	"portal/internal/store"
	"portal/internal/testenv"
)

// site is one server with its data and signed-in sessions.
type site struct {
	pool    *pgxpool.Pool
	srv     *httptest.Server
	handler http.Handler
	rec     *dbtest.Recorder
	cookies map[string][]string // role → one session cookie per concurrent user
}

const password = "load bench password 1"

// setup seeds n sites, n mail domains, n customers and n invoices: one reseller with n clients, the first of which
// holds the n sites and n mail domains and is the client whose pages are measured, and one invoice from the
// reseller to each client.
func setup(b *testing.B, n, sessions int) *site {
	b.Helper()
	gctune.Apply(os.Getenv, 0) // the collector's pace as cmd/portal sets it (GOGC in the environment overrides it)
	// The whole app (handlers, services, sessions) runs on one pool that reports to the statement recorder, as in
	// TestStatementBudget: the page's SQL replayed alone is every statement the page ran, the services' too.
	rec := &dbtest.Recorder{}
	pool := dbtest.Traced(b, dbtest.New(b), rec, 20)
	env := testenv.New(b, func(o *testenv.Options) { o.Pool = pool })
	hasher := auth.NewHasher(8 * 1024)
	hash, err := hasher.Hash(password)
	if err != nil {
		b.Fatal(err)
	}
	env.PasswordHash = hash
	r := env.Customer(store.RoleReseller, nil, "reseller@load.test")
	c := env.Customer(store.RoleClient, &r, "client@load.test")
	ctx := context.Background()
	exec := func(q string, args ...any) {
		if _, err := env.Pool.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state, isp_client_id)
		SELECT 'client', $1, $2, $3, 'Client ' || lpad(g::text, 6, '0'), 'c' || g || '@load.test', 'c' || g, 'active', 1000000 + g
		FROM generate_series(2, $4) g`, r.ID, env.Platform.ID, c.PlanID, n)
	exec(`INSERT INTO sites (customer_id, isp_id, domain, state, quota_mb, traffic_mb)
		SELECT $1, g, 'site' || lpad(g::text, 6, '0') || '.load.test', 'active', 100, -1 FROM generate_series(1, $2) g`, c.ID, n)
	exec(`INSERT INTO mail_domains (customer_id, isp_id, domain, state)
		SELECT $1, g, 'mail' || lpad(g::text, 6, '0') || '.load.test', 'active' FROM generate_series(1, $2) g`, c.ID, n)
	// n invoices: the reseller's to each of its clients, a third of them paid, over 300 days; their sums folded in, as
	// the minutely job leaves them.
	exec(`INSERT INTO billing_issuers (reseller_id) VALUES (NULL), ($1) ON CONFLICT DO NOTHING`, r.ID)
	exec(`INSERT INTO invoices (issuer_id, issuer_reseller_id, customer_id, kind, purpose, state, number, currency,
			net_minor, total_minor, paid_minor, document, hash, issued_on, due_on)
		SELECT (SELECT id FROM billing_issuers WHERE reseller_id = $1), $1, c.id, 'invoice', 'manual',
			CASE WHEN c.id % 3 = 0 THEN 'paid' ELSE 'issued' END, 'LB-' || c.id, 'EUR', 1000, 1000,
			CASE WHEN c.id % 3 = 0 THEN 1000 ELSE 0 END, '{}', 'lb' || c.id, date '2026-01-01' + (c.id % 300)::int,
			date '2026-02-01' + (c.id % 300)::int
		FROM customers c WHERE c.reseller_id = $1`, r.ID)
	if _, err := store.NewBilling(env.Pool).FoldInvoiceSums(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `INSERT INTO accounts (email, name, role, password_hash) VALUES ('admin@load.test', 'Admin', 'admin', $1)`, hash); err != nil {
		b.Fatal(err)
	}
	// As autovacuum leaves tables at rest (hint bits set, visibility map for index-only scans), and so that it does not
	// run in the middle of a measurement.
	exec(`VACUUM (ANALYZE)`)

	sessions2, _ := handlers.NewSessions(pool, 30*time.Minute, 12*time.Hour, false, 0)
	// As cmd/portal serves: a JSON line per request (written here to nothing) and the request metrics kept.
	// Billing as cmd/portal wires it (the invoice list, and the reseller dashboard's billing box).
	bill := billing.New(pool, env.Ten, env.Mail, "http://load.test", nil)
	h := handlers.New(handlers.Options{Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: handlers.NewMetrics(),
		Pool: pool, ISP: env.ISP, Sessions: sessions2, Hasher: hasher, Tenancy: env.Ten, Billing: bill, Access: env.Access,
		Hosting: env.Host, Platform: env.Platform, LoginMaxFailures: 1000, LoginLockout: time.Minute,
		LoginRatePerIP: 1 << 20, LoginRatePerAccount: 1 << 20})
	routes := h.Routes()
	srv := httptest.NewServer(routes)
	b.Cleanup(srv.Close)
	s := &site{pool: pool, srv: srv, handler: routes, rec: rec, cookies: map[string][]string{}}
	for role, email := range map[string]string{"client": "client@load.test", "reseller": "reseller@load.test", "admin": "admin@load.test"} {
		for range sessions {
			s.cookies[role] = append(s.cookies[role], s.signIn(b, email))
		}
	}
	return s
}

// signIn returns the session cookie of a fresh sign-in.
func (s *site) signIn(b *testing.B, email string) string {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.srv.URL)
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in %s: %v %v", email, resp, err)
	}
	resp.Body.Close()
	u, _ := url.Parse(s.srv.URL)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "portal_session" {
			return ck.Name + "=" + ck.Value
		}
	}
	b.Fatalf("sign in %s: no session cookie", email)
	return ""
}

// page is one measured page: who asks, and what it must show.
type page struct {
	name, role, path, want string
}

var pages = []page{
	{"sites", "client", "/sites", `data-testid="site-row"`},
	{"sites-deep", "client", "/sites?after=%s", `data-testid="site-row"`}, // half way down the list, by its key
	{"mail", "client", "/mail", `data-testid="mail-domain-row"`},
	{"reseller-clients", "reseller", "/reseller/clients", `data-testid="customer-row"`},
	{"invoices-reseller", "reseller", "/invoices", `data-testid="invoice-row"`},
	{"invoices-admin", "admin", "/invoices", `data-testid="invoice-row"`},
	{"dashboard-client", "client", "/client", `data-testid="dashboard-client"`},
	{"dashboard-reseller", "reseller", "/reseller", `data-testid="dashboard-reseller"`},
	{"dashboard-admin", "admin", "/admin", `data-testid="dashboard-admin"`},
}

func seconds() time.Duration {
	if s, err := strconv.Atoi(os.Getenv("PORTAL_BENCH_SECONDS")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 3 * time.Second
}

// rounds is how many times BenchmarkPages measures each page and its SQL, alternated (PORTAL_BENCH_ROUNDS, default 3).
func rounds() int {
	if n, err := strconv.Atoi(os.Getenv("PORTAL_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}

// median is the middle of l (the mean of the two middle values for an even count).
func median(l []float64) float64 {
	s := slices.Sorted(slices.Values(l))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// run calls do from workers goroutines for d and returns the calls per second and the sorted latencies.
func run(workers int, d time.Duration, do func(worker int) error) (float64, []time.Duration, int64) {
	var errs atomic.Int64
	lat := make([][]time.Duration, workers)
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := do(w); err != nil {
					errs.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return float64(len(all)) / elapsed.Seconds(), all, errs.Load()
}

func pct(l []time.Duration, p float64) float64 {
	if len(l) == 0 {
		return 0
	}
	return float64(l[int(float64(len(l)-1)*p)].Microseconds()) / 1000
}

// BenchmarkPages measures each page with 100 and with 100,000 rows at 64 concurrent signed-in sessions, requested by
// a load client in a second process (loadFromProcess), then the page's own SQL (recorded from one request) replayed
// directly with pgx at the same concurrency. Run it with
// -benchtime=1x (make bench-load does): each case runs PORTAL_BENCH_ROUNDS (default 3) rounds of the page and then
// its SQL, each for PORTAL_BENCH_SECONDS (default 3) of wall time.
func BenchmarkPages(b *testing.B) {
	const workers = 64
	for _, n := range []int{100, 100_000} {
		s := setup(b, n, workers)
		// Like a browser, the client asks for gzip unless PORTAL_BENCH_GZIP=0 (this one, for checking a page, also inflates it).
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: os.Getenv("PORTAL_BENCH_GZIP") == "0"}}
		for _, p := range pages {
			if strings.Contains(p.path, "%s") {
				var k store.Key
				if err := s.pool.QueryRow(context.Background(), `SELECT lower(domain), id FROM sites ORDER BY lower(domain), id
					OFFSET $1 LIMIT 1`, n/2).Scan(&k.Value, &k.ID); err != nil {
					b.Fatal(err)
				}
				p.path = fmt.Sprintf(p.path, url.QueryEscape(k.String()))
			}
			// get requests the page once, in this process (the measured load comes from loadFromProcess).
			var buf bytes.Buffer
			get := func(w int) (int, []byte, error) {
				req, _ := http.NewRequest(http.MethodGet, s.srv.URL+p.path, nil)
				req.Header.Set("Cookie", s.cookies[p.role][w%len(s.cookies[p.role])])
				resp, err := client.Do(req)
				if err != nil {
					return 0, nil, err
				}
				defer resp.Body.Close()
				buf.Reset()
				_, err = buf.ReadFrom(resp.Body)
				return resp.StatusCode, buf.Bytes(), err
			}
			b.Run(fmt.Sprintf("rows=%d/%s", n, p.name), func(b *testing.B) {
				status, body, err := get(0)
				if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(p.want)) {
					b.Fatalf("%s: status %d (%v), want 200 showing %s", p.path, status, err, p.want)
				}
				stmts := s.rec.During(func() { _, _, _ = get(1) })
				writes := 0
				for _, st := range stmts {
					if st.IsWrite() {
						writes++
					}
				}
				// Rounds of the page then its SQL, alternated, so that a busier minute on the shared machine weighs on both
				// sides: rates, latencies and the ratio are each round's median, and the worst round's ratio is reported too.
				var (
					pageRates, sqlRates, ratios, p50s, p99s, sqlP99s []float64
					portalCPU, clientCPU, machineCPU, sqlMachineCPU  time.Duration
					pages, sqlPages                                  int
					pageErrs, sqlErrs                                int64
				)
				for range rounds() {
					pc, mc := cpuTime(), machineBusy()
					load := loadFromProcess(b, loadJob{URL: s.srv.URL + p.path, Cookies: s.cookies[p.role],
						Workers: workers, Seconds: seconds().Seconds(), Gzip: os.Getenv("PORTAL_BENCH_GZIP") != "0"})
					portalCPU, machineCPU = portalCPU+cpuTime()-pc, machineCPU+machineBusy()-mc
					clientCPU, pages, pageErrs = clientCPU+load.CPU, pages+load.Requests, pageErrs+load.Errors
					mc = machineBusy()
					sqlRate, sqlLat, errs := run(workers, seconds(), func(int) error {
						ctx := context.Background()
						for _, st := range stmts {
							rows, err := s.pool.Query(ctx, st.SQL, st.Args...)
							if err != nil {
								return err
							}
							rows.Close()
							if err := rows.Err(); err != nil {
								return err
							}
						}
						return nil
					})
					sqlMachineCPU, sqlPages, sqlErrs = sqlMachineCPU+machineBusy()-mc, sqlPages+len(sqlLat), sqlErrs+errs
					pageRates, sqlRates = append(pageRates, load.Rate), append(sqlRates, sqlRate)
					ratios = append(ratios, 100*load.Rate/sqlRate)
					p50s, p99s, sqlP99s = append(p50s, load.P50), append(p99s, load.P99), append(sqlP99s, pct(sqlLat, 0.99))
				}
				allocs := testing.AllocsPerRun(20, func() {
					req := httptest.NewRequest(http.MethodGet, p.path, nil)
					req.Header.Set("Cookie", s.cookies[p.role][0])
					s.handler.ServeHTTP(httptest.NewRecorder(), req)
				})
				if pageErrs > 0 || sqlErrs > 0 {
					b.Errorf("%d page errors, %d SQL errors", pageErrs, sqlErrs)
				}
				b.ReportMetric(median(pageRates), "pages/s")
				b.ReportMetric(median(sqlRates), "sql-pages/s")
				b.ReportMetric(median(ratios), "%-of-sql")
				b.ReportMetric(slices.Min(ratios), "worst-round-%-of-sql")
				b.ReportMetric(median(p50s), "p50-ms")
				b.ReportMetric(median(p99s), "p99-ms")
				b.ReportMetric(median(sqlP99s), "sql-p99-ms")
				b.ReportMetric(float64(len(stmts)), "stmts/page")
				b.ReportMetric(float64(writes), "writes/page")
				b.ReportMetric(allocs, "allocs/page")
				// Where a page's CPU goes: the portal's process, the load client's, and the whole machine's (Postgres,
				// the kernel's network, and anything else running) per page, against the machine's per replay of its SQL.
				perPage := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(max(n, 1)) }
				b.ReportMetric(perPage(portalCPU, pages), "portal-cpu-µs/page")
				b.ReportMetric(perPage(clientCPU, pages), "client-cpu-µs/page")
				b.ReportMetric(perPage(machineCPU, pages), "machine-cpu-µs/page")
				b.ReportMetric(perPage(sqlMachineCPU, sqlPages), "machine-cpu-µs/sql-page")
			})
		}
	}
}

// loadJob is what the load client (a second process) requests, how often at once and for how long.
type loadJob struct {
	URL     string
	Cookies []string // one per worker, in turn
	Workers int
	Seconds float64
	Gzip    bool // ask for gzip, like a browser, and fail a response that is not gzipped
}

// loadResult is what the load client measured.
type loadResult struct {
	Rate     float64 // requests per second
	P50, P99 float64 // milliseconds
	Errors   int64
	Requests int
	CPU      time.Duration // the load client's own CPU time (user and system)
}

// loadClientEnv, when set, makes the test binary the load client: it reads a loadJob on stdin, runs it, and writes
// its loadResult on stdout.
const loadClientEnv = "PORTAL_BENCH_LOAD_CLIENT"

func TestMain(m *testing.M) {
	if os.Getenv(loadClientEnv) != "" {
		os.Exit(loadClient())
	}
	os.Exit(m.Run())
}

// loadFromProcess runs job in a second process, as a load generator on the same machine would: the HTTP client,
// its gunzip and its garbage then share the two cores with the portal but not the portal's heap, collector and
// scheduler (it returns p50 and p99 in ms).
func loadFromProcess(b *testing.B, job loadJob) loadResult {
	b.Helper()
	in, _ := json.Marshal(job)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), loadClientEnv+"=1")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	var r loadResult
	if err == nil {
		err = json.Unmarshal(out, &r)
	}
	if err != nil {
		b.Fatalf("load client: %v (%s)", err, out)
	}
	return r
}

// loadClient is the load client process's main. Like wrk, each worker keeps one connection open and writes the
// same request on it again and again, then reads the whole response (status, headers, and a body sent with a length
// or in chunks) before the next; it does not inflate a gzipped body, which a browser does on its own machine, not
// the server's. Net/http's client, with its connection pool, a goroutine per connection and inflating, cost about
// 200 µs of CPU per page here, as much as a third of the portal's own, on the same two cores.
func loadClient() int {
	var job loadJob
	if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
		fmt.Fprintln(os.Stderr, "load client:", err)
		return 2
	}
	u, err := url.Parse(job.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load client:", err)
		return 2
	}
	conns := make([]*rawConn, job.Workers)
	for w := range conns {
		var req strings.Builder
		fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nUser-Agent: portal-loadbench\r\n", u.RequestURI(), u.Host,
			job.Cookies[w%len(job.Cookies)])
		if job.Gzip {
			req.WriteString("Accept-Encoding: gzip\r\n")
		}
		req.WriteString("\r\n")
		conns[w] = &rawConn{addr: u.Host, req: []byte(req.String()), gzip: job.Gzip}
	}
	cpu := cpuTime()
	rate, lat, errs := run(job.Workers, time.Duration(job.Seconds*float64(time.Second)), func(w int) error {
		return conns[w].get()
	})
	cpu = cpuTime() - cpu
	if err := json.NewEncoder(os.Stdout).Encode(loadResult{Rate: rate, P50: pct(lat, 0.5), P99: pct(lat, 0.99), Errors: errs,
		Requests: len(lat), CPU: cpu}); err != nil {
		return 2
	}
	return 0
}

// rawConn is one load client worker's keep-alive connection.
type rawConn struct {
	addr string
	req  []byte
	gzip bool // the response must be gzipped
	conn net.Conn
	r    *bufio.Reader
}

// get sends the request and reads its whole response; any error closes the connection, and the next get dials.
func (c *rawConn) get() error {
	if c.conn == nil {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			return err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 64<<10)
	}
	err := c.roundTrip()
	if err != nil {
		c.conn.Close()
		c.conn = nil
	}
	return err
}

func (c *rawConn) roundTrip() error {
	if _, err := c.conn.Write(c.req); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d", resp.StatusCode)
	case n == 0 || c.gzip && resp.Header.Get("Content-Encoding") != "gzip":
		return fmt.Errorf("%d bytes, encoding %q", n, resp.Header.Get("Content-Encoding"))
	case resp.Close: // the server ends the connection after this response: the next request dials afresh
		c.conn.Close()
		c.conn = nil
	}
	return nil
}

// BenchmarkSoak keeps 200 signed-in sessions busy on the list pages for PORTAL_SOAK_SECONDS (default 60) and
// fails on any error.
func BenchmarkSoak(b *testing.B) {
	const workers = 200
	s := setup(b, 1000, workers)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}
	d := 60 * time.Second
	if v, err := strconv.Atoi(os.Getenv("PORTAL_SOAK_SECONDS")); err == nil && v > 0 {
		d = time.Duration(v) * time.Second
	}
	rate, lat, errs := run(workers, d, func(w int) error {
		p := pages[w%len(pages)]
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+p.path, nil)
		req.Header.Set("Cookie", s.cookies[p.role][w%len(s.cookies[p.role])])
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: status %d", p.path, resp.StatusCode)
		}
		return nil
	})
	b.ReportMetric(rate, "pages/s")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	b.ReportMetric(float64(errs), "errors")
	if errs > 0 {
		b.Errorf("%d errors with %d sessions", errs, workers)
	}
}

// machineBusy is the CPU time all of the machine's cores have spent busy since boot (/proc/stat: user, nice,
// system, irq and softirq; not idle, iowait, or steal, which the hypervisor gave to other machines), to the
// kernel's tick (10 ms).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	var busy int64
	for i, v := range f[1:min(len(f), 9)] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i != 7 {
			busy += n
		}
	}
	return time.Duration(busy) * 10 * time.Millisecond
}

// cpuTime is the CPU time this process has used, user and system: unlike wall time it leaves out waiting for
// Postgres, which runs in its own processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkServe serves each page through the router without the network, one request at a time, with 100 rows:
// the Go side of a page alone. cpu-µs/op is this process's CPU time per page (Postgres and the network left out),
// steadier on a busy machine than any rate. Profile it with -cpuprofile or -memprofile (docs/load-bench.md).
func BenchmarkServe(b *testing.B) {
	s := setup(b, 100, 1)
	for _, p := range pages {
		if strings.Contains(p.path, "%s") {
			continue
		}
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				req.Header.Set("Cookie", s.cookies[p.role][0])
				req.Header.Set("Accept-Encoding", "gzip")
				w := httptest.NewRecorder()
				s.handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: status %d", p.path, w.Code)
				}
			}
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}
