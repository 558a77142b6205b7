package handlers

import (
	"context"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// Hosted-object fixtures for tenancy tests: each creates the object in the simulator through the real client and
// records it in Postgres as the screens would, so suspension, deletion and the isolation sweep have real objects.

func (a *testApp) ispClientID(c store.Customer) int64 {
	a.t.Helper()
	if c.ISPClientID == nil {
		a.t.Fatalf("customer %d has no ISPConfig id", c.ID)
	}
	return *c.ISPClientID
}

func (a *testApp) insertObject(q string, args ...any) int64 {
	a.t.Helper()
	var id int64
	if err := a.pool.QueryRow(context.Background(), q, args...).Scan(&id); err != nil {
		a.t.Fatalf("insert fixture: %v", err)
	}
	return id
}

func siteParams(domain string, active bool) ispapi.WebDomainParams {
	return ispapi.WebDomainParams{
		ServerID: 1, IPAddress: "*", Domain: domain, HDQuota: 1000, TrafficQuota: -1, SuExec: true,
		ErrorDocs: true, Subdomain: "www", PHP: "php-fpm", Active: active, StatsType: "awstats", BackupInterval: "none",
		BackupCopies: 1, BackupFormatWeb: "default", BackupFormatDB: "gzip", AllowOverride: "All",
		PHPFPMUseSocket: true, PM: "ondemand", PMProcessIdleTimeout: 10, HTTPPort: 80, HTTPSPort: 443,
		Resettable: ispapi.WebDomainResettable{LogRetention: 10, PMMaxChildren: 10, PMStartServers: 2, PMMinSpareServers: 1, PMMaxSpareServers: 5},
	}
}

// fixtureSite creates a web site for c in ISPConfig and Postgres and returns our id.
func (a *testApp) fixtureSite(c store.Customer, domain string, active bool) int64 {
	a.t.Helper()
	ispID, err := a.isp.AddWebDomain(context.Background(), a.ispClientID(c), siteParams(domain, active))
	if err != nil {
		a.t.Fatalf("add site %s: %v", domain, err)
	}
	return a.insertObject(`INSERT INTO sites (customer_id, isp_id, domain, active, state, quota_mb, traffic_mb, php_mode)
		VALUES ($1, $2, $3, $4, 'active', 1000, -1, 'php-fpm') RETURNING id`, c.ID, ispID, domain, active)
}

// fixtureMailDomain creates a mail domain for c.
func (a *testApp) fixtureMailDomain(c store.Customer, domain string, active bool) int64 {
	a.t.Helper()
	ispID, err := a.isp.AddMailDomain(context.Background(), a.ispClientID(c), ispapi.MailDomainParams{ServerID: 1, Domain: domain, Active: active, DKIMSelector: "default"})
	if err != nil {
		a.t.Fatalf("add mail domain %s: %v", domain, err)
	}
	return a.insertObject(`INSERT INTO mail_domains (customer_id, isp_id, domain, active, state)
		VALUES ($1, $2, $3, $4, 'active') RETURNING id`, c.ID, ispID, domain, active)
}

// fixtureMailbox creates a mailbox in one of c's mail domains.
func (a *testApp) fixtureMailbox(c store.Customer, mailDomainID int64, email string) int64 {
	a.t.Helper()
	ispID, err := a.isp.AddMailUser(context.Background(), a.ispClientID(c), ispapi.MailUserParams{
		ServerID: 1, Email: email, Password: "M4ilbox!Secret", Name: "Box", QuotaBytes: 100 << 20,
		Maildir: ispapi.DefaultMaildir(email), Homedir: ispapi.DefaultHomedir, Postfix: true, MoveJunk: "y",
		BackupInterval: "none", BackupCopies: 1,
	})
	if err != nil {
		a.t.Fatalf("add mailbox %s: %v", email, err)
	}
	return a.insertObject(`INSERT INTO mailboxes (customer_id, mail_domain_id, isp_id, email, name, quota_mb, state, password_hash)
		VALUES ($1, $2, $3, $4, 'Box', 100, 'active', $5) RETURNING id`, c.ID, mailDomainID, ispID, email, ispapi.HashMailPassword("M4ilbox!Secret"))
}

// fixtureForward creates a forward in one of c's mail domains.
func (a *testApp) fixtureForward(c store.Customer, mailDomainID int64, source, dest string) int64 {
	a.t.Helper()
	ispID, err := a.isp.AddMailForward(context.Background(), a.ispClientID(c), ispapi.MailForwardParams{ServerID: 1, Source: source, Destinations: []string{dest}, Active: true})
	if err != nil {
		a.t.Fatalf("add forward %s: %v", source, err)
	}
	return a.insertObject(`INSERT INTO mail_forwards (customer_id, mail_domain_id, isp_id, kind, source, destination, state)
		VALUES ($1, $2, $3, 'forward', $4, $5, 'active') RETURNING id`, c.ID, mailDomainID, ispID, source, dest)
}

// fixtureDomain puts a domain in c's domain-limit table.
func (a *testApp) fixtureDomain(c store.Customer, domain string) int64 {
	a.t.Helper()
	ispID, err := a.isp.AddDomain(context.Background(), a.ispClientID(c), domain)
	if err != nil {
		a.t.Fatalf("add domain %s: %v", domain, err)
	}
	return a.insertObject(`INSERT INTO domains (customer_id, isp_id, domain, state) VALUES ($1, $2, $3, 'active') RETURNING id`, c.ID, ispID, domain)
}

// objects is one customer's fixture objects by kind.
type objects map[store.Kind]int64

// fullCustomer gives c one object of every kind.
func (a *testApp) fullCustomer(c store.Customer, tag string) objects {
	a.t.Helper()
	md := a.fixtureMailDomain(c, tag+"-mail.test", true)
	return objects{
		store.KindCustomer:    c.ID,
		store.KindSite:        a.fixtureSite(c, tag+"-site.test", true),
		store.KindMailDomain:  md,
		store.KindMailbox:     a.fixtureMailbox(c, md, "box@"+tag+"-mail.test"),
		store.KindMailForward: a.fixtureForward(c, md, "fwd@"+tag+"-mail.test", "someone@elsewhere.test"),
		store.KindDomain:      a.fixtureDomain(c, tag+"-domain.test"),
		store.KindInvoice:     a.fixtureInvoice(c),
	}
}

// fixtureInvoice bills c monthly on its plan (priced at 10.00 EUR if it has no price yet) and returns its first
// invoice, issued by c's reseller (or the operator).
func (a *testApp) fixtureInvoice(c store.Customer) int64 {
	a.t.Helper()
	ctx := context.Background()
	if _, err := a.pool.Exec(ctx, `INSERT INTO plan_prices (plan_id, kind, cycle, currency, amount_minor)
		VALUES ($1, 'retail', 'monthly', 'EUR', 1000) ON CONFLICT DO NOTHING`, c.PlanID); err != nil {
		a.t.Fatal(err)
	}
	if _, err := a.billing.Subscribe(ctx, c.ID, store.CycleMonthly, a.billing.Now()); err != nil {
		a.t.Fatal(err)
	}
	if err := a.billing.Generate(ctx); err != nil {
		a.t.Fatal(err)
	}
	var id int64
	if err := a.pool.QueryRow(ctx, `SELECT id FROM invoices WHERE customer_id = $1 ORDER BY id LIMIT 1`, c.ID).Scan(&id); err != nil {
		a.t.Fatalf("invoice of %d: %v", c.ID, err)
	}
	return id
}

// simRowsWhere counts simulator rows of table whose column equals value.
func (a *testApp) simRowsWhere(table, column, value string) int {
	n := 0
	for _, row := range a.sim.Rows(table) {
		if row[column] == value {
			n++
		}
	}
	return n
}
