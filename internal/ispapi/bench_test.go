package ispapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/ispapi/ispsim"
)

// benchSetup serves a simulator holding one mail domain and returns a client for it, the domain's id and a
// counter of logins seen through Config.Observe.
func benchSetup(tb testing.TB) (*Client, *ispsim.Sim, int64, *atomic.Int64) {
	tb.Helper()
	sim := ispsim.New()
	sim.AddRemoteUser("portal", "ApiPass#2024", portalFunctions)
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	logins := new(atomic.Int64)
	c, err := New(Config{
		URL: srv.URL + "/remote/json.php", Username: "portal", Password: "ApiPass#2024",
		Logger: slog.New(slog.DiscardHandler),
		Observe: func(fn string, _ time.Duration, _ error) {
			if fn == "login" {
				logins.Add(1)
			}
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close(context.Background()) })
	id, err := c.AddMailDomain(context.Background(), 0, MailDomainParams{ServerID: 1, Domain: "bench.test", Active: true, DKIMSelector: "default"})
	if err != nil {
		tb.Fatal(err)
	}
	return c, sim, id, logins
}

// BenchmarkGetMailDomain measures one typed read (one HTTP call to the in-process simulator) with 1 and 64
// concurrent goroutines. Reported: ns/op, calls/s, allocs/op, and logins per 10,000 calls.
func BenchmarkGetMailDomain(b *testing.B) {
	for _, g := range []int{1, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", g), func(b *testing.B) {
			c, _, id, logins := benchSetup(b)
			ctx := context.Background()
			before := logins.Load()
			b.ReportAllocs()
			b.ResetTimer()
			if g == 1 {
				for b.Loop() {
					if _, err := c.GetMailDomain(ctx, id); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				// RunParallel starts parallelism × GOMAXPROCS goroutines.
				b.SetParallelism((g + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := c.GetMailDomain(ctx, id); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
			b.ReportMetric(float64(logins.Load()-before)*10000/float64(b.N), "logins/10k-calls")
		})
	}
}

// BenchmarkAddMailDomain measures a verified add: the add, the owner check and the read-back.
func BenchmarkAddMailDomain(b *testing.B) {
	c, _, _, _ := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := c.AddMailDomain(ctx, 0, MailDomainParams{ServerID: 1, Domain: fmt.Sprintf("b%d.test", i), Active: true, DKIMSelector: "default"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLogins_TenThousandCallsOneLogin checks the steady state the benchmarks report: 10,000 calls from 64
// goroutines share exactly one login.
func TestLogins_TenThousandCallsOneLogin(t *testing.T) {
	c, sim, id, logins := benchSetup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	var next atomic.Int64
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= 10000 {
				if _, err := c.GetMailDomain(ctx, id); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := logins.Load(); n != 1 {
		t.Fatalf("logins seen by the client: got %d, want 1", n)
	}
	if n := sim.CallCount("login"); n != 1 {
		t.Fatalf("logins seen by the simulator: got %d, want 1", n)
	}
	if n := sim.CallCount("mail_domain_get"); n < 10000 {
		t.Fatalf("mail_domain_get calls: got %d, want >= 10000", n)
	}
}
