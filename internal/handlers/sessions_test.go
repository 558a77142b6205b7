package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
	"portal/internal/testenv"
)

// The idle timeout is the store's: a session lapses idle after it was last written or touched, never after its
// lifetime's end, and an unchanged session is touched (its expiry moved) at most once a minute.
func TestSessionStore_IdleTimeout(t *testing.T) {
	app := newApp(t)
	ctx := context.Background()
	now := time.Now()
	st := &sessionStore{db: store.NewSessions(app.pool), idle: 30 * time.Minute, every: time.Minute, now: func() time.Time { return now }}
	data, err := sessionCodec{}.Encode(now.Add(12*time.Hour), map[string]any{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	expiry := func(token string) time.Time {
		var e time.Time
		if err := app.pool.QueryRow(ctx, `SELECT expiry FROM sessions WHERE token = $1`, token).Scan(&e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	near := func(got, want time.Time) bool { return got.Sub(want).Abs() < time.Millisecond }
	if err := st.CommitCtx(ctx, "t1", data, now.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if e := expiry("t1"); !near(e, now.Add(30*time.Minute)) {
		t.Fatalf("written session expires %v, want idle (30 min) from now %v", e, now)
	}
	if _, found, err := st.FindCtx(ctx, "t1"); err != nil || !found {
		t.Fatalf("find: %v %v", found, err)
	}
	if e := expiry("t1"); !near(e, now.Add(30*time.Minute)) {
		t.Fatalf("a read within the minute moved the expiry to %v", e)
	}
	now = now.Add(2 * time.Minute)
	if _, found, err := st.FindCtx(ctx, "t1"); err != nil || !found {
		t.Fatalf("find: %v %v", found, err)
	}
	if e := expiry("t1"); !near(e, now.Add(30*time.Minute)) {
		t.Fatalf("a read two minutes on left the expiry at %v, want %v", e, now.Add(30*time.Minute))
	}
	// Its lifetime's end caps the touched expiry, and once there nothing is written again.
	start := now
	deadline := start.Add(40 * time.Minute)
	capped, _ := sessionCodec{}.Encode(deadline, map[string]any{"k": "v"})
	if err := st.CommitCtx(ctx, "t3", capped, deadline); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		at, want time.Duration // since start: the read, and the expiry after it
	}{{2 * time.Minute, 32 * time.Minute}, {15 * time.Minute, 40 * time.Minute}, {16 * time.Minute, 40 * time.Minute}} {
		now = start.Add(step.at)
		if _, found, err := st.FindCtx(ctx, "t3"); err != nil || !found {
			t.Fatalf("find: %v %v", found, err)
		}
		if e := expiry("t3"); !near(e, start.Add(step.want)) {
			t.Fatalf("read at +%v: expiry +%v, want +%v", step.at, e.Sub(start), step.want)
		}
	}
	// Near its lifetime's end a session is kept to that end, not idle past it.
	end := now.Add(10 * time.Minute)
	short, _ := sessionCodec{}.Encode(end, map[string]any{"k": "v"})
	if err := st.CommitCtx(ctx, "t2", short, end); err != nil {
		t.Fatal(err)
	}
	now = now.Add(5 * time.Minute)
	if _, found, err := st.FindCtx(ctx, "t2"); err != nil || !found {
		t.Fatalf("find: %v %v", found, err)
	}
	if e := expiry("t2"); !near(e, end) {
		t.Fatalf("session at its lifetime's end expires %v, want %v", e, end)
	}
	// A lapsed session is not found.
	if _, err := app.pool.Exec(ctx, `UPDATE sessions SET expiry = current_timestamp - interval '1 second' WHERE token = 't1'`); err != nil {
		t.Fatal(err)
	}
	if _, found, err := st.FindCtx(ctx, "t1"); err != nil || found {
		t.Fatalf("lapsed session: found %v (%v)", found, err)
	}
}

// A page view sends the session cookie again only when it moves the session's expiry: a browser may hold a cookie
// that expires idle after it was sent (scs's, when it kept the idle timeout), and must keep it while it is in use.
func TestSession_CookieSentAgainWhenTouched(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	token := b.sessionToken()
	// As if the session had last been touched five minutes ago.
	if _, err := app.pool.Exec(context.Background(), `UPDATE sessions SET expiry = current_timestamp + interval '25 minutes'
		WHERE token = $1`, token); err != nil {
		t.Fatal(err)
	}
	resp := b.get("/sites")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Set-Cookie"), "portal_session="+token) {
		t.Fatalf("GET /sites: %d, Set-Cookie %q; want the session's cookie again", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	var left time.Duration
	if err := app.pool.QueryRow(context.Background(), `SELECT extract(epoch FROM expiry - current_timestamp)::bigint * 1000000000
		FROM sessions WHERE token = $1`, token).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left < 29*time.Minute || left > 30*time.Minute {
		t.Errorf("after the touch the session has %v left, want 30 minutes", left)
	}
	if resp := b.get("/sites"); resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("the next page view sent the cookie again: %q", resp.Header.Get("Set-Cookie"))
	}
}

// A signed-in user left idle past the timeout is signed out, and page views send no session cookie again.
func TestSession_IdleSignsOut(t *testing.T) {
	app := newApp(t)
	app.customer(store.RoleClient, nil, "c@example.com")
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	if resp := b.get("/sites"); resp.StatusCode != http.StatusOK || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("GET /sites: %d, Set-Cookie %q; want 200 and none", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
	if _, err := app.pool.Exec(context.Background(), `UPDATE sessions SET expiry = current_timestamp - interval '1 second' WHERE token = $1`,
		b.sessionToken()); err != nil {
		t.Fatal(err)
	}
	if resp := b.get("/sites"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("GET /sites after the idle timeout: %d to %q, want 303 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Every request writes one log line with its route, status, duration, request id (the one the response names),
// client address and signed-in account.
func TestRequestLog_OneLinePerRequest(t *testing.T) {
	var buf testenv.SyncBuffer
	app := newApp(t, func(o *Options) { o.Log = slog.New(slog.NewJSONHandler(&buf, nil)) })
	app.customer(store.RoleClient, nil, "c@example.com")
	var account int64
	if err := app.pool.QueryRow(context.Background(), `SELECT id FROM accounts WHERE email = 'c@example.com'`).Scan(&account); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	b.mustLogin("c@example.com", pw, "/client")
	buf.Reset()
	resp := b.get("/sites?q=x")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sites: %d", resp.StatusCode)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines for one request: %q", len(lines), lines)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"msg": "request", "method": "GET", "route": "/sites", "path": "/sites", "status": 200.0,
		"request_id": resp.Header.Get("X-Request-Id"), "user_id": float64(account)}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v (line %s)", k, line[k], v, lines[0])
		}
	}
	if d, ok := line["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("log duration_ms = %v (line %s)", line["duration_ms"], lines[0])
	}
	if ip, _ := line["ip"].(string); ip == "" || line["acting_user_id"] != nil || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("log line %s: want a client address and no acting account", lines[0])
	}

	// A reseller acting as its client: the line names both.
	r := app.customer(store.RoleReseller, nil, "r@example.com")
	c := app.customer(store.RoleClient, &r, "c2@example.com")
	rb := app.browser()
	rb.mustLogin("r@example.com", pw, "/reseller")
	if resp := rb.post(fmt.Sprintf("/customers/%d/impersonate", c.ID), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("impersonate: %d", resp.StatusCode)
	}
	var reseller, client float64
	_ = app.pool.QueryRow(context.Background(), `SELECT (SELECT id FROM accounts WHERE email = 'r@example.com'),
		(SELECT id FROM accounts WHERE email = 'c2@example.com')`).Scan(&reseller, &client)
	buf.Reset()
	if resp := rb.get("/sites"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sites as the client: %d", resp.StatusCode)
	}
	line = nil
	if err := json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &line); err != nil {
		t.Fatal(err)
	}
	if line["user_id"] != client || line["acting_user_id"] != reseller {
		t.Errorf("impersonated request logged user %v acting %v, want %v and %v", line["user_id"], line["acting_user_id"], client, reseller)
	}
}
