package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
	"portal/internal/tenancy"
)

// replica starts a second portal instance on the app's database: its own Handler, session manager, hash slots
// and HTTP server, as another replica behind a load balancer would have.
func (a *testApp) replica() string {
	a.t.Helper()
	sessions, _ := NewSessions(a.pool, 30*time.Minute, 12*time.Hour, false, 0)
	o := a.h.opts
	o.Sessions = sessions
	srv := httptest.NewServer(New(o).Routes())
	a.t.Cleanup(srv.Close)
	return srv.URL
}

// TestTwoReplicas_ShareSessionsLimitsAndJobs runs two portal instances on one database: a session signed in on
// one works on the other, the sign-in and mailbox-page rate limits and lockouts count attempts on both together
// (they were in-memory per process before), and each periodic job runs once, not once per replica.
func TestTwoReplicas_ShareSessionsLimitsAndJobs(t *testing.T) {
	app := newApp(t, func(o *Options) { o.LoginRatePerIP = 1000; o.LoginRatePerAccount = 3 })
	other := app.replica()
	app.account("both@example.com", store.RoleClient, pw)
	res := app.customer(store.RoleReseller, nil, "res@example.com")
	c := app.customer(store.RoleClient, &res, "cli@example.com")
	md := app.fixtureMailDomain(c, "rep.test", true)
	app.fixtureMailbox(c, md, "me@rep.test")

	t.Run("session", func(t *testing.T) {
		b := app.browser()
		b.mustLogin("both@example.com", pw, "/client")
		b.base = other
		if r := b.get("/client"); r.StatusCode != http.StatusOK || !strings.Contains(r.body, `data-testid="dashboard-client"`) {
			t.Fatalf("session from replica A on replica B: status %d", r.StatusCode)
		}
		if r := b.post("/logout", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout on B: %d", r.StatusCode)
		}
		b.base = ""
		if r := b.get("/client"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("session signed out on B still works on A: status %d", r.StatusCode)
		}
	})

	t.Run("sign-in limit", func(t *testing.T) {
		a, b := app.browser(), app.browser()
		b.base = other
		a.login("limited@example.com", "wrong-1")
		b.login("LIMITED@example.com", "wrong-2")
		a.login("limited@example.com", "wrong-3")
		if r := b.login("limited@example.com", "wrong-4"); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("4th attempt for one email across two replicas: status %d, want 429", r.StatusCode)
		}
	})

	t.Run("mailbox page limit", func(t *testing.T) {
		a, b := app.browser(), app.browser()
		b.base = other
		a.post("/mailbox/password", boxForm("me@rep.test", "x", "Brand-New-Pass-1"))
		b.post("/mailbox/password", boxForm("ME@rep.test.", "x", "Brand-New-Pass-1"))
		a.post("/mailbox/password", boxForm("me@rep.test", "x", "Brand-New-Pass-1"))
		if r := b.post("/mailbox/password", boxForm("me@rep.test", "M4ilbox!Secret", "Brand-New-Pass-1")); r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("4th attempt on one mailbox across two replicas: status %d, want 429", r.StatusCode)
		}
	})

	t.Run("account lockout", func(t *testing.T) {
		app.account("lock@example.com", store.RoleClient, pw)
		for i := 0; i < 5; i++ {
			b := app.browser()
			if i%2 == 1 {
				b.base = other
			}
			if r := b.login("lock@example.com", "wrong password"); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: status %d", i+1, r.StatusCode)
			}
			// The per-email limit is 3 a minute: each attempt comes a minute later on the handlers' clock.
			app.now = time.Now().Add(time.Duration(i+1) * time.Minute)
		}
		b := app.browser()
		b.base = other
		if r := b.login("lock@example.com", pw); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("right password after 5 failures split over two replicas: status %d, want 401 (locked)", r.StatusCode)
		}
		app.now = time.Time{}
	})

	t.Run("periodic job once", func(t *testing.T) {
		ctx := context.Background()
		for i := 0; i < 2; i++ { // each replica runs its own job client, as serve does
			ten := tenancy.New(app.pool, nil, nil)
			jobs, err := tenancy.NewJobs(app.pool, ten, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := jobs.Start(ctx); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = jobs.Stop(sctx)
			})
		}
		count := func() (all, done int) {
			if err := app.pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'completed') FROM river_job WHERE kind = 'prune_attempts'`).Scan(&all, &done); err != nil {
				t.Fatal(err)
			}
			return
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if _, done := count(); done > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the prune job never ran")
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(3 * time.Second) // give a second leader, if there were one, time to enqueue its own run
		if all, _ := count(); all != 1 {
			t.Fatalf("prune_attempts ran %d times on two replicas, want 1", all)
		}
	})
}
