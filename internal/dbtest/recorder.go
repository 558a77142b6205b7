package dbtest

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
)

// Recorder is a pgx query tracer that, while recording (During), keeps every statement run on the pools it is
// set on, with its arguments. Statement budgets and the load benchmark count with it.
type Recorder struct {
	mu    sync.Mutex
	on    bool
	stmts []Statement
}

// Statement is one recorded statement.
type Statement struct {
	SQL  string
	Args []any
}

// IsWrite reports whether the statement changes data (a row lock, FOR UPDATE, is not a write).
func (s Statement) IsWrite() bool {
	q := strings.ReplaceAll(strings.ToUpper(s.SQL), "FOR UPDATE", "")
	for _, w := range []string{"INSERT ", "UPDATE ", "DELETE ", "MERGE "} {
		if strings.Contains(q, w) {
			return true
		}
	}
	return false
}

func (r *Recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	if r.on {
		r.stmts = append(r.stmts, Statement{d.SQL, slices.Clone(d.Args)})
	}
	r.mu.Unlock()
	return ctx
}

func (r *Recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// During returns the statements run while f ran.
func (r *Recorder) During(f func()) []Statement {
	r.mu.Lock()
	r.on, r.stmts = true, nil
	r.mu.Unlock()
	f()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.stmts
}

// Traced returns a new pool on pool's database that reports to r, closed when the test ends; maxConns 0 keeps
// pgx's default.
func Traced(t testing.TB, pool *pgxpool.Pool, r *Recorder, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	store.ConfigurePool(cfg)
	cfg.ConnConfig.Tracer = r
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	traced, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(traced.Close)
	return traced
}
