package handlers

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
)

// NewSessions returns the session manager, storing sessions in Postgres' sessions table. cleanup is how often
// expired rows are deleted (0: never; tests). Call the returned stop func on shutdown.
func NewSessions(db *sql.DB, idle, lifetime time.Duration, secure bool, cleanup time.Duration) (*scs.SessionManager, func()) {
	store := postgresstore.NewWithCleanupInterval(db, cleanup)
	s := scs.New()
	s.Store = store
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
