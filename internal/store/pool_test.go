package store_test

import (
	"context"
	"strings"
	"testing"

	"portal/internal/dbtest"
)

// TestConfigurePool_RandomPageCost: the portal's connections plan with random_page_cost 1.1 where nobody set it,
// and keep what the connection URL or ALTER DATABASE set.
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
	if got := show(url); got != "1.1" {
		t.Errorf("unset: random_page_cost %s; want 1.1", got)
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
