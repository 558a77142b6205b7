package hosting_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/store"
	"portal/internal/testenv"
)

// claimer creates one kind of object that claims a name: each returns the service's error.
type claimer struct {
	kind string
	make func(e *testenv.Env, c store.Customer, name string) error
}

func siteClaim(e *testenv.Env, c store.Customer, name string) error {
	_, err := e.Host.CreateSite(context.Background(), e.As(c), hosting.NewSite{Domain: name, Active: true,
		SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}})
	return err
}

func mailClaim(e *testenv.Env, c store.Customer, name string) error {
	_, err := e.Host.CreateMailDomain(context.Background(), e.As(c), hosting.NewMailDomain{Domain: name})
	return err
}

func domainClaim(e *testenv.Env, c store.Customer, name string) error {
	_, err := e.Host.CreateDomain(context.Background(), e.Admin(), fmt.Sprint(c.ID), name)
	return err
}

// TestRegistry_NameBelongsToOneCustomer: client A (of reseller 1) holds a name through one kind of object; client
// B (of reseller 2) tries the same name, a name under it, a name above it, and spelling variants, through every
// kind. Each is refused with a field error and makes no ISPConfig call; A itself may reuse its name.
func TestRegistry_NameBelongsToOneCustomer(t *testing.T) {
	claimers := []claimer{{"site", siteClaim}, {"mail domain", mailClaim}, {"domain entry", domainClaim}}
	for _, first := range claimers {
		for _, second := range claimers {
			t.Run(first.kind+" then "+second.kind, func(t *testing.T) {
				e := testenv.New(t)
				r1 := e.Customer(store.RoleReseller, nil, "r1@example.test")
				r2 := e.Customer(store.RoleReseller, nil, "r2@example.test")
				a := e.Customer(store.RoleClient, &r1, "a@example.test")
				b := e.Customer(store.RoleClient, &r2, "b@example.test")
				if err := first.make(e, a, "shop.example.com"); err != nil {
					t.Fatalf("A's %s: %v", first.kind, err)
				}
				for _, name := range []string{
					"shop.example.com", "SHOP.Example.com", "shop.example.com.", "x.shop.example.com",
					"deep.x.shop.example.com", "example.com", "Example.COM.",
				} {
					e.Sim.ResetCalls()
					err := second.make(e, b, name)
					fe, ok := fail.As(err)
					if !ok || fe.Status != http.StatusUnprocessableEntity || len(fail.FieldsOf(err)) == 0 {
						t.Errorf("B's %s on %q: %v, want a field error", second.kind, name, err)
					}
					if n := e.Sim.CallCount(); n != 0 {
						t.Errorf("B's %s on %q made %d ISPConfig calls, want 0", second.kind, name, n)
					}
				}
				// IDNA: the Unicode and punycode spellings are one name.
				if err := first.make(e, a, "bücher.example.net"); err != nil {
					t.Fatalf("A's IDN %s: %v", first.kind, err)
				}
				if err := second.make(e, b, "xn--bcher-kva.example.net"); len(fail.FieldsOf(err)) == 0 {
					t.Errorf("B's %s on the punycode of A's IDN: %v, want a field error", second.kind, err)
				}
				// The same customer reuses its own name across kinds (another object of the same kind on the same
				// name is a duplicate, which its table refuses on its own).
				if first.kind != second.kind {
					if err := second.make(e, a, "shop.example.com"); err != nil {
						t.Errorf("A's own %s on its name: %v", second.kind, err)
					}
				}
				if err := second.make(e, a, "blog.shop.example.com"); err != nil {
					t.Errorf("A's %s on a subdomain of its name: %v", second.kind, err)
				}
				if n := e.Count(`SELECT count(*) FROM domain_claims WHERE customer_id = $1`, b.ID); n != 0 {
					t.Errorf("B holds %d claims, want 0", n)
				}
			})
		}
	}
}

// TestRegistry_ReleasedWhenTheLastObjectIsGone: a name stays claimed while any object of its owner uses it, and is
// free for others once the last one has been deleted in ISPConfig.
func TestRegistry_ReleasedWhenTheLastObjectIsGone(t *testing.T) {
	e := testenv.New(t)
	a := e.Customer(store.RoleClient, nil, "a@example.test")
	b := e.Customer(store.RoleClient, nil, "b@example.test")
	ctx := context.Background()
	site, err := e.Host.CreateSite(ctx, e.As(a), hosting.NewSite{Domain: "kept.test", Active: true,
		SiteSettings: hosting.SiteSettings{PHP: "php-fpm", QuotaMB: "100", TrafficMB: "-1"}})
	if err != nil {
		t.Fatal(err)
	}
	entry, err := e.Host.CreateDomain(ctx, e.Admin(), fmt.Sprint(a.ID), "kept.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Host.DeleteSite(ctx, e.As(a), site); err != nil {
		t.Fatal(err)
	}
	if err := siteClaim(e, b, "kept.test"); len(fail.FieldsOf(err)) == 0 {
		t.Fatalf("B took a name A's domain entry still uses: %v", err)
	}
	// ISPConfig's answer to the delete is lost: the entry stays (deleting), and so does the claim.
	e.Sim.SetFault("domains_domain_delete", ispsimDown)
	if err := e.Host.DeleteDomain(ctx, e.Admin(), entry); err == nil {
		t.Fatal("delete with the platform failing succeeded")
	}
	e.Sim.ClearFaults()
	if n := e.Count(`SELECT count(*) FROM domain_claims WHERE name = 'kept.test' AND customer_id = $1`, a.ID); n != 1 {
		t.Fatalf("claim after an unconfirmed delete: %d, want 1", n)
	}
	if err := siteClaim(e, b, "kept.test"); len(fail.FieldsOf(err)) == 0 {
		t.Fatalf("B took a name whose delete is unconfirmed: %v", err)
	}
	// The settle job deletes again and then lets the name go.
	if err := e.Host.Settle(ctx, store.KindDomain, entry); err != nil {
		t.Fatal(err)
	}
	if n := e.Count(`SELECT count(*) FROM domains WHERE id = $1`, entry); n != 0 {
		t.Fatalf("entry after settling: %d rows, want 0", n)
	}
	if err := siteClaim(e, b, "kept.test"); err != nil {
		t.Fatalf("B's site once the name is free: %v", err)
	}
}

// TestRegistry_PublicSuffixesAreNotClaimed: a public suffix (co.uk) would shut every other customer out of all
// names under it, so it is refused, with no call.
func TestRegistry_PublicSuffixesAreNotClaimed(t *testing.T) {
	e := testenv.New(t)
	a := e.Customer(store.RoleClient, nil, "a@example.test")
	b := e.Customer(store.RoleClient, nil, "b@example.test")
	e.Sim.ResetCalls()
	for _, claim := range []func(*testenv.Env, store.Customer, string) error{siteClaim, mailClaim, domainClaim} {
		if err := claim(e, a, "co.uk"); fail.FieldsOf(err)["domain"].Format == "" {
			t.Errorf("claiming co.uk: %v, want a domain field error", err)
		}
	}
	if n := e.Sim.CallCount(); n != 0 {
		t.Errorf("%d ISPConfig calls", n)
	}
	if err := siteClaim(e, b, "shop.co.uk"); err != nil {
		t.Errorf("a name under a public suffix: %v", err)
	}
}
