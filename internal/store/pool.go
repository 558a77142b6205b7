package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// plannerSQL lowers random_page_cost to 1.1 for the connection, unless anyone has set it: postgresql.conf, ALTER
// DATABASE or ROLE, or the connection URL (?random_page_cost=…) all leave it as they set it. Postgres's default of
// 4 prices a random read at four sequential ones, as on a spinning disk. The portal's tables are small and hot (in
// memory, or on SSD, where Postgres's documentation suggests 1.1). At 4 the planner read every row of a table of
// 100 customers for every row of a list page rather than look one up in its index: at 100 rows the list
// statements took 1.45–1.65 times as long as at 1.1, and the session reads up to 2.3 times (docs/load-bench.md,
// fifth round).
const plannerSQL = `SELECT set_config('random_page_cost', '1.1', false) FROM pg_settings
	WHERE name = 'random_page_cost' AND source = 'default'`

// ConfigurePool sets up every new connection of a pool the way the portal's statements are planned for
// (plannerSQL), one round trip per connection. cmd/portal's pool and the tests' pools both go through it.
func ConfigurePool(cfg *pgxpool.Config) {
	prev := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if prev != nil {
			if err := prev(ctx, c); err != nil {
				return err
			}
		}
		// On the wire connection, below pgx's tracer: setting up a connection is no request's statement.
		// A server without pg_settings as Postgres has it (a look-alike, a proxy) fails the statement; the
		// connection is still usable, and is kept with the server's own planner costs.
		_, err := c.PgConn().Exec(ctx, plannerSQL).ReadAll()
		if c.PgConn().IsClosed() {
			return err
		}
		return nil
	}
}
