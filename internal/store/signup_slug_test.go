package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portal/internal/store"
)

// TestSignupSlugs_OnePerReseller: resellers of one name on two platforms, and one named like a page of the signup
// flow itself, each get a signup slug of their own (migration 00023), which finds that reseller and no other, in any
// case; a client gets none; a deleted reseller's slug goes to the next reseller of its name.
func TestSignupSlugs_OnePerReseller(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO platforms (name, endpoint, seeded) VALUES ('q', 'http://isp2.test', true)`)
	var p1, p2 int64
	if err := pool.QueryRow(ctx, `SELECT min(id), max(id) FROM platforms`).Scan(&p1, &p2); err != nil || p1 == p2 {
		t.Fatalf("platforms %d, %d (%v)", p1, p2, err)
	}
	add := func(kind, username string, platform int64) int64 {
		t.Helper()
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
			VALUES ($1, $2, (SELECT id FROM plans), $3, $3 || '@x.test', $3, 'active') RETURNING id`, kind, platform, username).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first, second := add("reseller", "Acme", p1), add("reseller", "acme", p2)
	flow, client := add("reseller", "setup", p1), add("client", "acme2", p2)
	want := map[int64]string{first: "acme", second: fmt.Sprintf("acme~%d", p2), flow: fmt.Sprintf("setup~%d", p1)}
	for id, slug := range want {
		st, err := store.NewSignups(pool).Settings(ctx, &id)
		if err != nil || st.Slug != slug {
			t.Errorf("reseller %d: slug %q (%v); want %q", id, st.Slug, err, slug)
		}
		for _, asked := range []string{slug, strings.ToUpper(slug)} {
			if c, err := store.NewCustomers(pool).BySlug(ctx, asked); err != nil || c.ID != id {
				t.Errorf("/signup/%s finds %d (%v); want reseller %d", asked, c.ID, err, id)
			}
		}
	}
	if st, err := store.NewSignups(pool).Settings(ctx, &client); err != nil || st.Slug != "" {
		t.Errorf("a client's signup settings: slug %q (%v); want none", st.Slug, err)
	}
	if _, err := store.NewCustomers(pool).BySlug(ctx, "setup"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("/signup/setup finds a reseller (%v); it is the flow's own page", err)
	}
	exec(fmt.Sprintf(`UPDATE customers SET state = 'deleted' WHERE id = %d`, first))
	if _, err := store.NewCustomers(pool).BySlug(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("/signup/acme after its reseller's deletion: %v; want not found", err)
	}
	third := add("reseller", "ACME", p1)
	if c, err := store.NewCustomers(pool).BySlug(ctx, "acme"); err != nil || c.ID != third {
		t.Errorf("/signup/acme finds %d (%v); want the new reseller %d", c.ID, err, third)
	}
}

// TestMigrations_SignupSlugsForExistingResellers: migration 00023 gives resellers already there their slugs: the
// oldest live one of a name its username (a deleted one none), the others theirs with their platform's id, and one
// named like the flow's pages that too.
func TestMigrations_SignupSlugsForExistingResellers(t *testing.T) {
	ctx := context.Background()
	pool, p := migratedTo(t, 22)
	for _, q := range []string{
		`INSERT INTO platforms (name, endpoint, seeded) VALUES ('p', 'http://isp.test', true), ('q', 'http://isp2.test', true)`,
		`INSERT INTO plans (audience, name, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb, max_mail_aliases,
			max_domains, site_quota_mb) VALUES ('client', 'plan', -1, -1, -1, -1, -1, -1, -1)`,
		`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
			SELECT v.kind, (SELECT id FROM platforms WHERE name = v.platform), (SELECT id FROM plans), v.name, v.name || v.platform || '@x.test', v.name, 'active'
			FROM (VALUES ('reseller', 'Dup', 'p'), ('reseller', 'dup', 'q'), ('reseller', 'Resend', 'q'), ('client', 'one', 'p'),
				('reseller', 'solo', 'q'), ('reseller', 'Gone', 'p'), ('reseller', 'gone', 'q')) v(kind, name, platform)`,
		`UPDATE customers SET state = 'deleted' WHERE name = 'Gone'`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := pool.QueryRow(ctx, `SELECT string_agg(c.name || '=' || coalesce(replace(c.signup_slug, '~' || c.platform_id, '~' || pl.name), '-'), ' ' ORDER BY c.id)
		FROM customers c JOIN platforms pl ON pl.id = c.platform_id`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "Dup=dup dup=dup~q Resend=resend~q one=- solo=solo Gone=- gone=gone"; got != want {
		t.Fatalf("slugs %s; want %s", got, want)
	}
}

// TestSignupSlugs_ResellersOfOneNameAtOnce: two resellers of one name created at once on two platforms both
// succeed, the later one with its platform's slug, instead of the later one failing on the slug's uniqueness.
func TestSignupSlugs_ResellersOfOneNameAtOnce(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO platforms (name, endpoint, seeded) VALUES ('q', 'http://isp2.test', true)`)
	var p1, p2 int64
	if err := pool.QueryRow(ctx, `SELECT min(id), max(id) FROM platforms`).Scan(&p1, &p2); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state)
		VALUES ('reseller', $1, (SELECT id FROM plans), 'twin', $2, 'twin', 'active') RETURNING signup_slug`
	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	var slug1 string
	if err := first.QueryRow(ctx, insert, p1, "twin1@x.test").Scan(&slug1); err != nil {
		t.Fatal(err)
	}
	second := make(chan string, 1)
	go func() {
		var slug string
		if err := pool.QueryRow(ctx, insert, p2, "twin2@x.test").Scan(&slug); err != nil {
			slug = "error: " + err.Error()
		}
		second <- slug
	}()
	// The second waits on the first (a lock it has not been granted) before the first commits.
	for waiting, deadline := 0, time.Now().Add(10*time.Second); waiting == 0; time.Sleep(10 * time.Millisecond) {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the second insert never waited for the first")
		}
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := <-second; slug1 != "twin" || got != fmt.Sprintf("twin~%d", p2) {
		t.Fatalf("slugs %q and %q; want twin and twin~%d", slug1, got, p2)
	}
}
