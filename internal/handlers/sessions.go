package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
)

// NewSessions returns the session manager, storing sessions in Postgres' sessions table. cleanup is how often
// expired rows are deleted (0: never; tests). Call the returned stop func on shutdown.
func NewSessions(pool *pgxpool.Pool, idle, lifetime time.Duration, secure bool, cleanup time.Duration) (*scs.SessionManager, func()) {
	// An unchanged session's expiry moves at most once a minute (or twice per idle timeout, for a shorter one).
	st := &sessionStore{db: store.NewSessions(pool), idle: idle, every: min(time.Minute, idle/2), now: time.Now}
	s := scs.New()
	s.Store = st
	s.Codec = sessionCodec{}
	s.Lifetime = lifetime // scs's own idle timeout stays off: the store keeps it (sessionStore)
	s.Cookie.Name = "portal_session"
	s.Cookie.HttpOnly = true
	s.Cookie.SameSite = http.SameSiteLaxMode
	s.Cookie.Secure = secure
	s.Cookie.Path = "/"
	if cleanup <= 0 {
		return s, func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(cleanup)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = st.db.DeleteExpired(context.Background())
			}
		}
	}()
	var once sync.Once
	return s, func() { once.Do(func() { close(done) }) }
}

// sessionStore is scs's store over the sessions table, with two economies:
//
//   - One read per request. Find loads the session together with its signed-in accounts, the effective account's
//     customer and its plan (store.Sessions.Find), and hands them to loadPrincipal through the request context
//     (withSessionRow), so the layout and list pages need no further statement for who is signed in.
//   - No write on a page view. With an idle timeout scs would commit every session on every request, to move its
//     expiry, and send its cookie again. The idle timeout is kept here instead: a row's expiry is the earlier of
//     its lifetime's end and idle after it was last written or touched, and Find touches an unchanged session (one
//     UPDATE of its expiry) only when that moves it by every or more; refreshSessionCookie then sends its cookie
//     again (a cookie from before this store expired idle after it was sent). scs writes a session only when it
//     changes.
type sessionStore struct {
	db    store.Sessions
	idle  time.Duration
	every time.Duration
	now   func() time.Time
}

type sessionRowKey struct{}

// sessionSlot is where the session store leaves what it loaded for this request.
type sessionSlot struct {
	row     store.SessionRow
	touched bool // the store moved the session's expiry: its cookie goes out again
}

// withSessionRow gives the session store a place to leave the accounts it loaded with the session.
func withSessionRow(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionRowKey{}, &sessionSlot{})))
	})
}

func sessionSlotFrom(ctx context.Context) *sessionSlot {
	slot, _ := ctx.Value(sessionRowKey{}).(*sessionSlot)
	return slot
}

// sessionRowFrom is what the session store loaded for this request (nil outside withSessionRow).
func sessionRowFrom(ctx context.Context) *store.SessionRow {
	if slot := sessionSlotFrom(ctx); slot != nil {
		return &slot.row
	}
	return nil
}

// refreshSessionCookie (after scs has loaded the session) sends the session's cookie again when the store moved
// its expiry, so a browser holding a cookie that expires idle after it was sent (as scs's did with its own idle
// timeout) keeps it while the session is in use.
func (h *Handler) refreshSessionCookie(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slot := sessionSlotFrom(r.Context()); slot != nil && slot.touched {
			h.sessions.WriteSessionCookie(r.Context(), w, h.sessions.Token(r.Context()), h.sessions.Deadline(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	row, found, err := s.db.Find(ctx, token)
	if err != nil || !found {
		return nil, found, err
	}
	slot := sessionSlotFrom(ctx)
	if now := s.now(); row.Expiry.Sub(now) < s.idle-s.every {
		// Last written or touched more than every ago, or near its lifetime's end: move the expiry if that gains
		// every or more. A failed touch is not this request's failure; the session just lapses sooner.
		if deadline, _, derr := (sessionCodec{}).Decode(row.Data); derr == nil {
			if e := s.expiry(now, deadline); e.Sub(row.Expiry) >= s.every {
				if touched, err := s.db.Touch(ctx, token, e); err == nil && touched && slot != nil {
					slot.touched = true
				}
			}
		}
	}
	if slot != nil {
		slot.row = row
	}
	return row.Data, true, nil
}

// expiry is when a session written or touched at now lapses: idle later, but not after its lifetime's deadline.
func (s *sessionStore) expiry(now, deadline time.Time) time.Time {
	if e := now.Add(s.idle); s.idle > 0 && e.Before(deadline) {
		return e
	}
	return deadline
}

// CommitCtx writes a changed session (scs commits only those), with the accounts its values name.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, deadline time.Time) error {
	var acting, effective int64
	if _, values, err := (sessionCodec{}).Decode(b); err == nil {
		acting, _ = values[keyActing].(int64)
		effective, _ = values[keyEffective].(int64)
		if effective == 0 {
			effective = acting
		}
	}
	return s.db.Commit(ctx, token, b, s.expiry(s.now(), deadline), acting, effective)
}

// DeleteCtx removes the session.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.db.Delete(ctx, token)
}

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
