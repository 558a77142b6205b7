package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"portal/internal/dbtest"
)

// TestConfigurePool_RandomPageCost: the portal's connections plan with random_page_cost 1.1 where nobody set it,
// and keep what the server's configuration, the connection URL or ALTER DATABASE set.
func TestConfigurePool_RandomPageCost(t *testing.T) {
	ctx := context.Background()
	url, pool := dbtest.NewWithURL(t)
	show := func(url string) string {
		t.Helper()
		p, err := dbtest.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		var v string
		if err := p.QueryRow(ctx, `SHOW random_page_cost`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Unless the test server's own configuration sets it, in which case the connections keep the server's value.
	plain, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var serverValue, source string
	err = plain.QueryRow(ctx, `SELECT setting, source FROM pg_settings WHERE name = 'random_page_cost'`).Scan(&serverValue, &source)
	plain.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := serverValue
	if source == "default" {
		want = "1.1"
	}
	if got := show(url); got != want {
		t.Errorf("random_page_cost %s; want %s (the server's is %s, from %s)", got, want, serverValue, source)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	if got := show(url + sep + "random_page_cost=2"); got != "2" {
		t.Errorf("set in the URL to 2: random_page_cost %s", got)
	}
	var db string
	if err := pool.QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ALTER DATABASE `+db+` SET random_page_cost = 3`); err != nil {
		t.Fatal(err)
	}
	if got := show(url); got != "3" {
		t.Errorf("set by ALTER DATABASE to 3: random_page_cost %s", got)
	}
}
