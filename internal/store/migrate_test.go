package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"

	"portal/internal/dbtest"
	"portal/internal/store"
)

func TestMigrations_UpDownToZeroUp(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	p, closeDB, err := store.Migrator(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()

	up, err := p.Up(ctx)
	if err != nil || len(up) == 0 {
		t.Fatalf("up: %d applied, err %v", len(up), err)
	}
	tables := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tables(); n == 0 {
		t.Fatal("no tables after up")
	}
	down, err := p.DownTo(ctx, 0)
	if err != nil || len(down) != len(up) {
		t.Fatalf("down to zero: %d rolled back of %d, err %v", len(down), len(up), err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("%d tables left after down to zero", n)
	}
	again, err := p.Up(ctx)
	if err != nil || len(again) != len(up) {
		t.Fatalf("up again: %d applied, want %d, err %v", len(again), len(up), err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != up[len(up)-1].Source.Version {
		t.Fatalf("version after up again = %d (%v), want %d", v, err, up[len(up)-1].Source.Version)
	}
}

func TestMigrations_NumberedWithoutGaps(t *testing.T) {
	pool := dbtest.New(t)
	p, closeDB, err := store.Migrator(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	for i, s := range p.ListSources() {
		if s.Version != int64(i+1) {
			t.Fatalf("migration %s has version %d, want %d (numbers must run 1, 2, 3 … without gaps)", s.Path, s.Version, i+1)
		}
	}
}

func TestAccounts_EmailUniqueCaseInsensitive(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	a := store.NewAccounts(pool)
	if _, err := a.Create(ctx, "Same@Example.com", "", store.RoleClient, "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(ctx, "same@example.COM", "", store.RoleClient, "h"); err == nil || !isConflict(err) {
		t.Fatalf("second account with the same email in other case: err %v, want ErrConflict", err)
	}
}

// migratedTo returns a pool on a fresh database migrated up to version, and its migrator, for a test that seeds
// the rows a later migration must carry over; both close when the test ends.
func migratedTo(t *testing.T, version int64) (*pgxpool.Pool, *goose.Provider) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	p, closeDB, err := store.Migrator(pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeDB() })
	if _, err := p.UpTo(ctx, version); err != nil {
		t.Fatal(err)
	}
	return pool, p
}

// TestMigrations_RegistryFromExistingRecords: the registry migration claims every name existing records use and,
// where two customers already overlap, lists the conflict for the admin instead of failing.
func TestMigrations_RegistryFromExistingRecords(t *testing.T) {
	ctx := context.Background()
	pool, p := migratedTo(t, 3)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO platforms (name) VALUES ('default')`)
	exec(`INSERT INTO plans (audience, name, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb)
		VALUES ('client', 'p', -1, -1, -1, -1, -1, -1, -1)`)
	for _, u := range []string{"a", "b", "c"} {
		exec(`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
			SELECT 'client', 1, 1, $1, $1 || '@example.test', $1, 'active'`, u)
	}
	exec(`INSERT INTO sites (customer_id, domain, state) VALUES (1, 'Shop.Test', 'active'), (3, 'own.test', 'active')`)
	exec(`INSERT INTO mail_domains (customer_id, domain, state) VALUES (1, 'shop.test', 'active'), (2, 'mail.shop.test', 'active'), (3, 'own.test', 'active')`)
	exec(`INSERT INTO domains (customer_id, domain, state) VALUES (3, 'other.test', 'active')`)
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("the registry migration failed on conflicting data: %v", err)
	}
	var claims []string
	rows, _ := pool.Query(ctx, `SELECT name || ':' || customer_id FROM domain_claims ORDER BY name`)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		claims = append(claims, s)
	}
	rows.Close()
	if got := strings.Join(claims, " "); got != "mail.shop.test:2 other.test:3 own.test:3 shop.test:1" {
		t.Errorf("claims: %s", got)
	}
	var conflicts int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM domain_claim_conflicts WHERE (name = 'mail.shop.test' AND customer_id = 2 AND claimed_by = 1)
		OR (name = 'shop.test' AND customer_id = 1 AND claimed_by = 2)`).Scan(&conflicts); err != nil {
		t.Fatal(err)
	}
	if conflicts != 2 {
		t.Errorf("conflicts listed for the overlap of customers 1 and 2: %d, want both directions", conflicts)
	}
	// The usage counters start from the existing records.
	var sites, mailDomains, domains int
	if err := pool.QueryRow(ctx, `SELECT sites, mail_domains, domains FROM usage_counters WHERE customer_id = 3`).Scan(&sites, &mailDomains, &domains); err != nil {
		t.Fatal(err)
	}
	if sites != 1 || mailDomains != 1 || domains != 1 {
		t.Errorf("customer 3's usage after the migration: %d sites, %d mail domains, %d domains, want 1 each", sites, mailDomains, domains)
	}
	list, err := store.NewClaims(pool).Conflicts(ctx)
	if err != nil || len(list) != 2 {
		t.Errorf("Conflicts(): %d rows (%v), want 2 (customer 3's own reuse is no conflict)", len(list), err)
	}
}

// TestMigrations_InvoiceSumsFromExistingDocuments: migration 00021 sums the documents already there, so the invoice
// list's totals agree with them (summed one by one) right after it, and after the first fold.
func TestMigrations_InvoiceSumsFromExistingDocuments(t *testing.T) {
	ctx := context.Background()
	pool, p := migratedTo(t, 20)
	for _, q := range []string{
		`INSERT INTO platforms (name, endpoint, seeded) VALUES ('p', 'http://isp.test', true)`,
		`INSERT INTO plans (audience, name, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb, max_mail_aliases,
			max_domains, site_quota_mb) VALUES ('client', 'plan', -1, -1, -1, -1, -1, -1, -1)`,
		`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
			SELECT 'client', (SELECT id FROM platforms), (SELECT id FROM plans), 'c' || g, 'c' || g || '@x.test', 'c' || g, 'active'
			FROM generate_series(1, 3) g`,
		`INSERT INTO billing_issuers (reseller_id) SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM billing_issuers)`,
		`INSERT INTO invoices (issuer_id, customer_id, kind, purpose, state, number, currency, net_minor, total_minor,
				paid_minor, document, hash, issued_on)
			SELECT (SELECT id FROM billing_issuers), c.id, 'invoice', 'manual', s, CASE WHEN s <> 'draft' THEN 'N-' || c.id || s END,
				cur, 1000 * c.id, 1000 * c.id, CASE s WHEN 'paid' THEN 1000 * c.id ELSE 100 END, '{}',
				CASE WHEN s <> 'draft' THEN 'h' || c.id || s END, CASE WHEN s <> 'draft' THEN date '2026-01-01' END
			FROM customers c, unnest(ARRAY['draft', 'issued', 'paid', 'void']) s, unnest(ARRAY['EUR']) cur`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	agree := func(when string) {
		t.Helper()
		// Three lines (issued, paid, void) of nine documents: the drafts are not summed.
		if totals := totalsAgree(t, pool, when, store.Scope{Role: store.RoleAdmin}); strings.Count(totals, "{invoice") != 3 || !strings.Contains(totals, " 3 ") {
			t.Fatalf("%s: totals %s; want three lines of three invoices", when, totals)
		}
	}
	agree("migrated")
	if n, err := store.NewBilling(pool).FoldInvoiceSums(ctx); err != nil || n == 0 {
		t.Fatalf("folded %d (%v)", n, err)
	}
	agree("folded")
}
