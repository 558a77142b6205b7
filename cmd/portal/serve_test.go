package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"portal/internal/auth"
	"portal/internal/dbtest"
	"portal/internal/testenv"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServe_EndToEnd runs the real binary's serve path: migrations, the embedded simulator, the demo admin,
// sign-in, readiness, metrics, and graceful shutdown.
func TestServe_EndToEnd(t *testing.T) {
	dbURL, pool := dbtest.NewWithURL(t)
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	simState := filepath.Join(t.TempDir(), "sim.json")
	env := envOf(map[string]string{
		"DATABASE_URL": dbURL, "PORTAL_LISTEN": addr, "PORTAL_METRICS_LISTEN": metricsAddr,
		"PORTAL_DEMO_ADMIN": "true", "PORTAL_COOKIE_SECURE": "false", "PORTAL_ARGON2_MEMORY_KIB": "8192",
		"PORTAL_ISPCONFIG_SIM_STATE": simState, "PORTAL_ISPCONFIG_SIM": "true",
	})
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testenv.SyncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, nil, &stdout, &stderr) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not shut down")
		}
	}
	defer stop()

	base := "http://" + addr
	waitFor(t, done, base+"/healthz")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("no demo admin password printed; stdout: %s", stdout.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {"admin@example.com"}, "password": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="dashboard-admin"`) {
		t.Fatalf("demo admin sign-in: status %d, body %.300s", resp.StatusCode, body)
	}
	resp, err = http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %d, want 200 (Postgres and the embedded simulator)", resp.StatusCode)
	}
	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`portal_http_requests_total{method="POST",route="/login",status="303"} 1`, `portal_ispconfig_calls_total{function="login"}`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(stderr.String(), `"route":"/login"`) || !strings.Contains(stderr.String(), `"request_id"`) {
		t.Errorf("no structured request log line for /login in: %.500s", stderr.String())
	}
	// Graceful shutdown saves the embedded simulator's data for the next start.
	stop()
	state, err := os.ReadFile(simState)
	if err != nil || !strings.Contains(string(state), `"client"`) {
		t.Fatalf("simulator state after shutdown: %v, %.100s", err, state)
	}
	// A later start on the same database does not create another demo admin.
	var again bytes.Buffer
	if err := ensureDemoAdmin(context.Background(), pool, auth.NewHasher(8*1024), &again); err != nil || again.Len() != 0 {
		t.Errorf("second demo-admin check: err %v, printed %q", err, again.String())
	}
}

func waitFor(t *testing.T, done chan error, u string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v", err)
		default:
		}
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", u)
}

func TestAdminCreate_PasswordFromStdinAndGenerated(t *testing.T) {
	dbURL, _ := dbtest.NewWithURL(t)
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "PORTAL_ARGON2_MEMORY_KIB": "8192"})
	var out bytes.Buffer
	err := run(context.Background(), []string{"admin", "create", "--email", "ops@example.com"}, env, strings.NewReader("a long enough password\n"), &out, &out)
	if err != nil || strings.Contains(out.String(), "password (shown once)") {
		t.Fatalf("admin create with stdin password: err %v, out %s", err, out.String())
	}
	out.Reset()
	err = run(context.Background(), []string{"admin", "create", "--email", "ops2@example.com"}, env, strings.NewReader(""), &out, &out)
	if err != nil || !strings.Contains(out.String(), "password (shown once)") {
		t.Fatalf("admin create with generated password: err %v, out %s", err, out.String())
	}
	err = run(context.Background(), []string{"admin", "create", "--email", "OPS@example.com"}, env, strings.NewReader("another long password\n"), &out, &out)
	if err == nil {
		t.Fatal("duplicate admin email (other case) accepted")
	}
	err = run(context.Background(), []string{"admin", "create", "--email", "weak@example.com"}, env, strings.NewReader("short\n"), &out, &out)
	if err == nil {
		t.Fatal("weak password accepted")
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "status"}, env, nil, &out, &out); err != nil || !strings.Contains(out.String(), "00001_accounts.sql") {
		t.Fatalf("migrate status: err %v out %s", err, out.String())
	}
}
