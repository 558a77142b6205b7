package store_test

import (
	"context"
	"testing"

	"portal/internal/store"
)

// TestBrandShownForSlug: a signup page's slug wears its reseller's look (any case of its hosting username); the
// operator's page, a slug that names no live reseller, and a client's username wear the operator's.
func TestBrandShownForSlug(t *testing.T) {
	pool, exec := withPlatformAndPlan(t)
	ctx := context.Background()
	exec(`INSERT INTO plans (audience, name, max_clients, max_sites, max_mail_domains, max_mailboxes, max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb)
		VALUES ('reseller', 'r', -1, -1, -1, -1, -1, -1, -1, -1)`)
	exec(`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state) SELECT 'reseller', (SELECT id FROM platforms),
		(SELECT id FROM plans WHERE audience = 'reseller'), x, x || '@x.test', x, 'active' FROM unnest(array['acme', 'plain', 'gone']) x`)
	exec(`INSERT INTO customers (kind, platform_id, plan_id, name, email, isp_username, state) SELECT 'client', (SELECT id FROM platforms),
		(SELECT id FROM plans WHERE audience = 'client'), 'client', 'client@x.test', 'client', 'active'`)
	exec(`INSERT INTO brands (owner_id, name, accent) SELECT id, 'Acme Hosting', '#aa0000' FROM customers WHERE isp_username = 'acme'`)
	exec(`INSERT INTO brands (owner_id, name) SELECT id, 'Gone Hosting' FROM customers WHERE isp_username = 'gone'`)
	exec(`UPDATE customers SET state = 'deleted' WHERE isp_username = 'gone'`)
	exec(`UPDATE brands SET name = 'The Operator' WHERE owner_id IS NULL`)
	for slug, want := range map[string]store.Brand{
		"ACME":   {Name: "Acme Hosting", Accent: "#aa0000", OfReseller: true},
		"plain":  {Name: "plain", OfReseller: true}, // no settings of its own: its name
		"":       {Name: "The Operator"},
		"nobody": {Name: "The Operator"},
		"gone":   {Name: "The Operator"},
		"client": {Name: "The Operator"},
	} {
		got, err := store.NewBrands(pool).ShownForSlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("slug %q: %+v, want %+v", slug, got, want)
		}
	}
}
