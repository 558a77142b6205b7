package handlers

import (
	"database/sql"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
)

// NewSessions returns the session manager, storing sessions in Postgres' sessions table. cleanup is how often
// expired rows are deleted (0: never; tests). Call the returned stop func on shutdown.
func NewSessions(db *sql.DB, idle, lifetime time.Duration, secure bool, cleanup time.Duration) (*scs.SessionManager, func()) {
	store := postgresstore.NewWithCleanupInterval(db, cleanup)
	s := scs.New()
	s.Store = &coarseStore{Store: store, every: time.Minute, last: map[string]committed{}}
	s.IdleTimeout = idle
	s.Lifetime = lifetime
	s.Cookie.Name = "portal_session"
	s.Cookie.HttpOnly = true
	s.Cookie.SameSite = http.SameSiteLaxMode
	s.Cookie.Secure = secure
	s.Cookie.Path = "/"
	return s, func() {
		if cleanup > 0 {
			store.StopCleanup()
		}
	}
}

// coarseStore keeps a page view from being a database write. With an idle timeout scs commits every session on
// every request (to move its expiry); this store writes an unchanged session back at most once a minute per
// process. The idle timeout is still enforced by the row's expiry, to within that minute.
type coarseStore struct {
	scs.Store
	every time.Duration

	mu   sync.Mutex
	last map[string]committed // by token: what this process last wrote, and when
}

type committed struct {
	deadline time.Time
	values   map[string]any
	at       time.Time
}

// Commit writes the session unless this process wrote the same contents less than every ago. Contents are
// compared decoded: gob encodes maps in random order, so equal sessions need not have equal bytes.
func (s *coarseStore) Commit(token string, b []byte, expiry time.Time) error {
	deadline, values, err := scs.GobCodec{}.Decode(b)
	if err != nil {
		return s.Store.Commit(token, b, expiry)
	}
	now := time.Now()
	s.mu.Lock()
	prev, ok := s.last[token]
	s.mu.Unlock()
	if ok && now.Sub(prev.at) < s.every && prev.deadline.Equal(deadline) && reflect.DeepEqual(prev.values, values) {
		return nil
	}
	if err := s.Store.Commit(token, b, expiry); err != nil {
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
	s.last[token] = committed{deadline: deadline, values: values, at: now}
	return nil
}

// Delete forgets the session here too.
func (s *coarseStore) Delete(token string) error {
	s.mu.Lock()
	delete(s.last, token)
	s.mu.Unlock()
	return s.Store.Delete(token)
}
