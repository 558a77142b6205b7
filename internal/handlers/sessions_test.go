package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
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
