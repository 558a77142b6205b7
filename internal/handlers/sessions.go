package handlers

import (
	"bytes"
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
	st := &sessionStore{db: store.NewSessions(pool), every: time.Minute, last: map[string]committed{}}
	s := scs.New()
	s.Store = st
	s.Codec = sessionCodec{}
	s.IdleTimeout = idle
	s.Lifetime = lifetime
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
//   - No write on a page view. With an idle timeout scs commits every session on every request (to move its
//     expiry); this store writes an unchanged session back at most once a minute per process. The idle timeout is
//     still enforced by the row's expiry, to within that minute.
type sessionStore struct {
	db    store.Sessions
	every time.Duration

	mu   sync.Mutex
	last map[string]committed // by token: what this process last wrote, and when
}

type committed struct {
	data []byte
	at   time.Time
}

type sessionRowKey struct{}

// withSessionRow gives the session store a place to leave the accounts it loaded with the session.
func withSessionRow(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionRowKey{}, &store.SessionRow{})))
	})
}

// sessionRowFrom is what the session store loaded for this request (nil outside withSessionRow).
func sessionRowFrom(ctx context.Context) *store.SessionRow {
	row, _ := ctx.Value(sessionRowKey{}).(*store.SessionRow)
	return row
}

func (s *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	row, found, err := s.db.Find(ctx, token)
	if slot := sessionRowFrom(ctx); slot != nil && found {
		*slot = row
	}
	return row.Data, found, err
}

// CommitCtx writes the session unless this process wrote the same contents less than every ago. sessionCodec
// encodes equal sessions to equal bytes, so the bytes are compared; only a session that is written is decoded, for
// the accounts its row names.
func (s *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	now := time.Now()
	s.mu.Lock()
	prev, ok := s.last[token]
	s.mu.Unlock()
	if ok && now.Sub(prev.at) < s.every && bytes.Equal(prev.data, b) {
		return nil
	}
	var acting, effective int64
	if _, values, err := (sessionCodec{}).Decode(b); err == nil {
		acting, _ = values[keyActing].(int64)
		effective, _ = values[keyEffective].(int64)
		if effective == 0 {
			effective = acting
		}
	}
	if err := s.db.Commit(ctx, token, b, expiry, acting, effective); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.last) >= 10_000 { // forget entries past their minute, so the map stays as small as the busy sessions
		for t, c := range s.last {
			if now.Sub(c.at) >= s.every {
				delete(s.last, t)
			}
		}
	}
	s.last[token] = committed{data: b, at: now}
	return nil
}

// DeleteCtx removes the session, and forgets it here too.
func (s *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	s.mu.Lock()
	delete(s.last, token)
	s.mu.Unlock()
	return s.db.Delete(ctx, token)
}

func (s *sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s *sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }
