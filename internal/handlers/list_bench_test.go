package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/store"
)

// keyAt is the URL-escaped page key of the row at offset in query's order (sort value, id).
func keyAt(b *testing.B, pool *pgxpool.Pool, query string, offset int, args ...any) string {
	var k store.Key
	if err := pool.QueryRow(context.Background(), query+` OFFSET `+strconv.Itoa(offset)+` LIMIT 1`, args...).Scan(&k.Value, &k.ID); err != nil {
		b.Fatal(err)
	}
	return url.QueryEscape(k.String())
}

// BenchmarkCustomerList renders a reseller's client list (the first page, and the last page)
// with 100 and with 10,000 clients in Postgres, through the real router and session. The cost per page should
// stay nearly flat.
func BenchmarkCustomerList(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		app := newApp(b)
		r := app.customer(store.RoleReseller, nil, "r@example.com")
		plan := app.plan(&r, store.RoleClient, "p", unlimited)
		_, err := app.pool.Exec(context.Background(), `
			INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, email, isp_username, state, isp_client_id)
			SELECT 'client', $1, $2, $3, 'Client ' || lpad(g::text, 6, '0'), 'c' || g || '@example.com', 'c' || g, 'active', 100000 + g
			FROM generate_series(1, $4) g`, r.ID, app.platform.ID, plan.ID, n)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := app.pool.Exec(context.Background(), `ANALYZE customers`); err != nil {
			b.Fatal(err)
		}
		br := app.browser()
		br.mustLogin("r@example.com", pw, "/reseller")
		for _, page := range []string{"first", "last"} {
			path := "/reseller/clients"
			if page == "last" {
				path += "?after=" + keyAt(b, app.pool, `SELECT lower(name), id FROM customers WHERE reseller_id = $1 ORDER BY lower(name), id`, n-26, r.ID)
			}
			b.Run(fmt.Sprintf("rows=%d/page=%s", n, page), func(b *testing.B) {
				app.sim.ResetCalls()
				for b.Loop() {
					resp := br.get(path)
					if resp.StatusCode != http.StatusOK || strings.Count(resp.body, `data-testid="customer-row"`) != 25 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
				if app.sim.CallCount() != 0 {
					b.Fatalf("the list made ISPConfig calls")
				}
			})
		}
	}
}
