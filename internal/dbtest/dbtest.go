// Package dbtest gives each test a fresh, migrated Postgres database, cloned in milliseconds from a template that
// is migrated once per migration set (its name carries a hash of migrations/).
//
// The server comes from PORTAL_TEST_DATABASE_URL (make test starts a throwaway cluster and sets it). Without it the
// tests skip locally but fail when CI=true, so CI cannot go green by skipping.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	neturl "net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
	"portal/migrations"
)

// URL returns the test server's URL, skipping (or failing under CI=true) when none is configured.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("PORTAL_TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PORTAL_TEST_DATABASE_URL is not set; run the tests through `make test`")
		}
		t.Skip("PORTAL_TEST_DATABASE_URL is not set; run the tests through `make test`")
	}
	return u
}

// New returns a pool on a fresh migrated database that is dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	_, pool := NewWithURL(t)
	return pool
}

// NewWithURL is New that also returns the new database's URL, for code that opens its own connections.
func NewWithURL(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	admin := connect(t, URL(t))
	defer admin.Close(ctx)

	tpl := ensureTemplate(t, admin)
	name := "test_" + randHex(8)
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	url := withDatabase(t, URL(t), name)
	pool, err := Open(ctx, url)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		c := connect(t, URL(t))
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return url, pool
}

// Open opens a pool on url whose connections are set up as cmd/portal's are (store.ConfigurePool).
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	store.ConfigurePool(cfg)
	return pgxpool.NewWithConfig(ctx, cfg)
}

// Empty returns the URL of a fresh database with no migrations applied, dropped when the test ends.
func Empty(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin := connect(t, URL(t))
	defer admin.Close(ctx)
	name := "empty_" + randHex(8)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() {
		c := connect(t, URL(t))
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return withDatabase(t, URL(t), name)
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	return c
}

// ensureTemplate creates and migrates the template database for the current migrations once, under an advisory
// lock so parallel test packages don't race.
func ensureTemplate(t testing.TB, admin *pgx.Conn) string {
	t.Helper()
	ctx := context.Background()
	name := "tpl_" + migrationsHash(t)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(74126)`); err != nil {
		t.Fatalf("lock template: %v", err)
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock(74126)`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatalf("look up template: %v", err)
	}
	if exists {
		return name
	}
	building := name + "_build"
	_, _ = admin.Exec(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+building); err != nil {
		t.Fatalf("create template: %v", err)
	}
	pool, err := pgxpool.New(ctx, withDatabase(t, URL(t), building))
	if err != nil {
		t.Fatalf("open template: %v", err)
	}
	err = store.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		t.Fatalf("migrate template: %v", err)
	}
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		t.Fatalf("rename template: %v", err)
	}
	return name
}

func migrationsHash(t testing.TB) string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func withDatabase(t testing.TB, url, db string) string {
	t.Helper()
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		u, err := neturl.Parse(url)
		if err != nil {
			t.Fatalf("parse PORTAL_TEST_DATABASE_URL: %v", err)
		}
		u.Path = "/" + db
		return u.String()
	}
	return url + " dbname=" + db // keyword/value form: the last dbname wins
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
