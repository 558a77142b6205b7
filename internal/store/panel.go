package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// Holding is one of a customer's hosted objects as its page lists it.
type Holding struct {
	Kind   Kind // KindSite, KindMailDomain or KindDomain
	ID     int64
	Domain string
	State  string
}

// holdingsSQL lists a customer's sites, mail domains and domains by name, at most perKind of each kind.
func holdingsSQL(perKind int) string {
	l := limitClause(perKind)
	return `(SELECT 'site', id, domain, state FROM sites WHERE customer_id = $1 ORDER BY lower(domain), id` + l + `)
	UNION ALL (SELECT 'mail_domain', id, domain, state FROM mail_domains WHERE customer_id = $1 ORDER BY lower(domain), id` + l + `)
	UNION ALL (SELECT 'domain', id, domain, state FROM domains WHERE customer_id = $1 ORDER BY lower(domain), id` + l + `)`
}

// Holdings returns customer id's sites, mail domains and domains (at most perKind of each, by name), in one
// statement. Callers resolve ownership first.
func (s Customers) Holdings(ctx context.Context, id int64, perKind int) ([]Holding, error) {
	rows, err := s.db.Query(ctx, holdingsSQL(perKind), id)
	if err != nil {
		return nil, wrap(err, "holdings of %d", id)
	}
	defer rows.Close()
	var out []Holding
	for rows.Next() {
		var h Holding
		if err := rows.Scan(&h.Kind, &h.ID, &h.Domain, &h.State); err != nil {
			return nil, wrap(err, "holdings of %d", id)
		}
		out = append(out, h)
	}
	return out, wrap(rows.Err(), "holdings of %d", id)
}

// Attention counts what needs someone's eyes on a dashboard; each count is the size of a filtered list.
type Attention struct {
	Failed, Pending, Suspended        int // customers (admins: clients and resellers; resellers: their clients)
	OverQuota                         int // clients over quota (overQuota)
	FailedResellers, PendingResellers int // admins: the resellers among Failed and Pending
	SuspendedResellers                int
	OverQuotaResellers                int // admins: resellers over quota (not among OverQuota)
	Unpaid                            int // issued invoices not yet paid (for a client: its own; else those it issued)
}

// Activity is one line of a dashboard's recent activity, from the audit log.
type Activity struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Acting     string    `json:"acting_email"`
	Effective  string    `json:"effective_email"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Outcome    string    `json:"outcome"`
}

// Dashboard is everything a start page shows beyond the session's own rows.
type Dashboard struct {
	Stats     Stats // admins
	Usage     Usage // resellers and clients
	Attention Attention
	Recent    []Activity
	Problems  []Holding // a client's objects that failed or are being set up
	Sites     []string  // a client's site names
}

// overQuota is true for a customer c that is over quota: it holds more than its plan allows (more sites,
// mailboxes, … or disk allotted than the plan's limits, e.g. after moving to a smaller plan; a reseller's counters
// include its clients'), or the servers last reported (the usage job: site_usage, mailbox_usage) one of its own
// sites or mailboxes using more than its quota. Admin and reseller dashboards count it and the customer lists'
// "over" filter lists it, so each count is the length of the list it links to. The two flags are kept on the
// customer row by triggers in the same transaction as the change (migration 00018: customer_over_limits and
// customer_over_usage hold the definition), so the counts read an index of the customers over quota instead of
// joining every customer to its plan and counters.
const overQuota = `(c.over_limits OR c.over_usage)`

// overQuotaCount counts the live customers of kind ('reseller' or 'client') that are over quota and match where
// (on customers c), as the customer lists' "over" filter lists them.
func overQuotaCount(kind, where string) string {
	return `(SELECT count(*) FROM customers c
		WHERE c.kind = '` + kind + `' AND c.state <> 'deleted' AND ` + where + ` AND ` + overQuota + `)`
}

// recentLimit is how many audit entries a dashboard shows.
const recentLimit = 8

func recentJSON(where string) string {
	return `(SELECT coalesce(json_agg(x ORDER BY x.id DESC), '[]') FROM (SELECT id, at, acting_email, effective_email,
		action, object_type, object_id, outcome FROM audit_log WHERE ` + where + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(recentLimit) + `) x)`
}

// unpaidCount counts issued invoices from the invoice sums' rows (aliased s) that where selects (migration 00021):
// the operator's and a reseller's can be every document they issued, which the sums count in a few rows. A
// reseller's are those it issued (its issuer rows) and those others issued to it (its buyer rows of other issuers).
func unpaidCount(where string) string {
	return `(SELECT coalesce(sum(s.count), 0)::bigint FROM (` + invoiceSumRows + `) s WHERE s.kind = 'invoice' AND s.state = 'issued' AND ` + where + `)`
}

// adminDashboard reads the operator's counters, the counts kept small by their indexes, and the latest audit
// entries, in one statement.
var adminDashboard = `SELECT s.resellers, s.clients, s.pending, s.failed, s.suspended,
	(SELECT count(*) FROM customers c WHERE c.kind = 'reseller' AND c.state = 'failed'),
	(SELECT count(*) FROM customers c WHERE c.kind = 'reseller' AND c.state = 'pending'),
	(SELECT count(*) FROM customers c WHERE c.kind = 'reseller' AND c.state <> 'deleted' AND (c.suspended_self OR c.suspended_by_reseller)),
	` + overQuotaCount("client", "true") + `, ` + overQuotaCount("reseller", "true") + `,
	` + unpaidCount("s.side = 'i' AND s.owner = 0") + `,
	` + recentJSON("true") + `
	FROM customer_stats s`

// resellerDashboard reads a reseller's counters, its clients that need attention, the invoices it issued that are
// unpaid, and the latest audit entries of its own and its clients' accounts, in one statement.
var resellerDashboard = `SELECT uc.clients, uc.sites, uc.mail_domains, uc.mailboxes, uc.mail_quota_mb, uc.mail_aliases, uc.domains, uc.disk_mb,
	(SELECT count(*) FROM customers c WHERE c.reseller_id = $1 AND c.state = 'failed'),
	(SELECT count(*) FROM customers c WHERE c.reseller_id = $1 AND c.state = 'pending'),
	(SELECT count(*) FROM customers c WHERE c.reseller_id = $1 AND c.state <> 'deleted' AND (c.suspended_self OR c.suspended_by_reseller)),
	` + overQuotaCount("client", "c.reseller_id = $1") + `,
	` + unpaidCount("s.side IN ('c', 'i') AND s.owner = $1 AND (s.side = 'i' OR s.issuer <> $1)") + `,
	` + recentJSON(`effective_account_id IN (SELECT a.id FROM accounts a JOIN customers c ON c.id = a.customer_id
		WHERE c.id = $1 OR c.reseller_id = $1)`) + `
	FROM usage_counters uc WHERE uc.customer_id = $1`

// clientDashboard reads a client's counters, its objects that failed or are being set up, its unpaid invoices,
// its site names and the latest audit entries of its accounts, in one statement.
var clientDashboard = `SELECT uc.clients, uc.sites, uc.mail_domains, uc.mailboxes, uc.mail_quota_mb, uc.mail_aliases, uc.domains, uc.disk_mb,
	(SELECT count(*) FROM invoices WHERE state = 'issued' AND kind = 'invoice' AND customer_id = $1),
	` + recentJSON(`effective_account_id IN (SELECT a.id FROM accounts a WHERE a.customer_id = $1)`) + `,
	(SELECT coalesce(json_agg(h), '[]') FROM (
		(SELECT 'site' AS kind, id, domain, state FROM sites WHERE customer_id = $1 AND state IN ('failed', 'pending') LIMIT 10)
		UNION ALL (SELECT 'mail_domain', id, domain, state FROM mail_domains WHERE customer_id = $1 AND state IN ('failed', 'pending') LIMIT 10)
		UNION ALL (SELECT 'domain', id, domain, state FROM domains WHERE customer_id = $1 AND state IN ('failed', 'pending') LIMIT 10)) h),
	(SELECT coalesce(array_agg(domain ORDER BY lower(domain)), '{}') FROM (SELECT domain FROM sites WHERE customer_id = $1
		ORDER BY lower(domain), id LIMIT 20) s)
	FROM usage_counters uc WHERE uc.customer_id = $1`

// DashboardOf reads a start page's data in one statement: the operator's (c nil) or customer c's.
func (s Customers) DashboardOf(ctx context.Context, c *Customer) (Dashboard, error) {
	var d Dashboard
	var recent []byte
	switch {
	case c == nil:
		err := s.db.QueryRow(ctx, adminDashboard).Scan(&d.Stats.Resellers, &d.Stats.Clients, &d.Stats.Pending,
			&d.Stats.Failed, &d.Stats.Suspended, &d.Attention.FailedResellers, &d.Attention.PendingResellers,
			&d.Attention.SuspendedResellers, &d.Attention.OverQuota, &d.Attention.OverQuotaResellers, &d.Attention.Unpaid, &recent)
		if err != nil {
			return d, wrap(err, "operator dashboard")
		}
		d.Attention.Failed, d.Attention.Pending, d.Attention.Suspended = d.Stats.Failed, d.Stats.Pending, d.Stats.Suspended
	case c.Kind == RoleReseller:
		u := &d.Usage
		err := s.db.QueryRow(ctx, resellerDashboard, c.ID).Scan(&u.Clients, &u.Sites, &u.MailDomains, &u.Mailboxes,
			&u.MailQuotaMB, &u.MailAliases, &u.Domains, &u.DiskMB, &d.Attention.Failed, &d.Attention.Pending,
			&d.Attention.Suspended, &d.Attention.OverQuota, &d.Attention.Unpaid, &recent)
		if err != nil {
			return d, wrap(err, "dashboard of %d", c.ID)
		}
	default:
		u := &d.Usage
		var problems []byte
		err := s.db.QueryRow(ctx, clientDashboard, c.ID).Scan(&u.Clients, &u.Sites, &u.MailDomains, &u.Mailboxes,
			&u.MailQuotaMB, &u.MailAliases, &u.Domains, &u.DiskMB, &d.Attention.Unpaid, &recent, &problems, &d.Sites)
		if err != nil {
			return d, wrap(err, "dashboard of %d", c.ID)
		}
		var hs []struct {
			Kind   Kind   `json:"kind"`
			ID     int64  `json:"id"`
			Domain string `json:"domain"`
			State  string `json:"state"`
		}
		if err := json.Unmarshal(problems, &hs); err != nil {
			return d, wrap(err, "dashboard of %d", c.ID)
		}
		for _, h := range hs {
			d.Problems = append(d.Problems, Holding(h))
		}
	}
	return d, wrap(json.Unmarshal(recent, &d.Recent), "dashboard recent activity")
}
