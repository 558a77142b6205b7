package store

import (
	"context"
	"portal/internal/i18n"
	"time"

	"github.com/jackc/pgx/v5"
)

// Unlimited is the limit value meaning "no limit"; 0 means "none allowed".
const Unlimited = -1

// Limits are a plan's limits: Unlimited, 0, or at most n.
type Limits struct {
	MaxClients     int // reseller plans only
	MaxSites       int
	MaxMailDomains int
	MaxMailboxes   int
	MaxMailQuotaMB int // total over all mailboxes
	MaxMailAliases int // aliases and forwards together
	MaxDomains     int // domain-limit table entries
	SiteQuotaMB    int // disk quota per site
	MaxDiskMB      int // disk quota of all sites together
}

// Plan is a named set of limits. ResellerID is nil for the operator's plans.
type Plan struct {
	ID         int64
	ResellerID *int64
	Audience   Role // RoleReseller or RoleClient: who the plan is sold to
	Name       string
	Limits
	CreatedAt time.Time
}

// Within reports whether every limit of l fits inside outer (a reseller's own plan): a reseller can't sell more
// than it has. It returns the names of the limits that exceed it.
func (l Limits) Within(outer Limits) []string {
	var over []string
	check := func(name string, v, max int) {
		if max == Unlimited {
			return
		}
		if v == Unlimited || v > max {
			over = append(over, name)
		}
	}
	check(i18n.M("sites"), l.MaxSites, outer.MaxSites)
	check(i18n.M("mail domains"), l.MaxMailDomains, outer.MaxMailDomains)
	check(i18n.M("mailboxes"), l.MaxMailboxes, outer.MaxMailboxes)
	check(i18n.M("mail quota"), l.MaxMailQuotaMB, outer.MaxMailQuotaMB)
	check(i18n.M("aliases and forwards"), l.MaxMailAliases, outer.MaxMailAliases)
	check(i18n.M("domains"), l.MaxDomains, outer.MaxDomains)
	check(i18n.M("disk per site"), l.SiteQuotaMB, outer.SiteQuotaMB)
	check(i18n.M("total disk"), l.MaxDiskMB, outer.MaxDiskMB)
	return over
}

// Plans reads and writes the plans table.
type Plans struct{ db DBTX }

// NewPlans returns the plans table over db.
func NewPlans(db DBTX) Plans { return Plans{db: db} }

const planCols = `id, reseller_id, audience, name, max_clients, max_sites, max_mail_domains, max_mailboxes,
	max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb, max_disk_mb, created_at`

func scanPlan(row pgx.CollectableRow) (Plan, error) {
	var p Plan
	err := row.Scan(planDest(&p, nil)...)
	return p, err
}

// planDest appends to dest where planCols' columns go in p.
func planDest(p *Plan, dest []any) []any {
	return append(dest, &p.ID, &p.ResellerID, &p.Audience, &p.Name, &p.MaxClients, &p.MaxSites, &p.MaxMailDomains,
		&p.MaxMailboxes, &p.MaxMailQuotaMB, &p.MaxMailAliases, &p.MaxDomains, &p.SiteQuotaMB, &p.MaxDiskMB, &p.CreatedAt)
}

// Create inserts a plan. It returns ErrConflict when its owner already has a plan of that name.
func (s Plans) Create(ctx context.Context, p Plan) (Plan, error) {
	rows, _ := s.db.Query(ctx, `
		INSERT INTO plans (reseller_id, audience, name, max_clients, max_sites, max_mail_domains, max_mailboxes,
			max_mail_quota_mb, max_mail_aliases, max_domains, site_quota_mb, max_disk_mb)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING `+planCols,
		p.ResellerID, p.Audience, p.Name, p.MaxClients, p.MaxSites, p.MaxMailDomains, p.MaxMailboxes,
		p.MaxMailQuotaMB, p.MaxMailAliases, p.MaxDomains, p.SiteQuotaMB, p.MaxDiskMB)
	out, err := pgx.CollectExactlyOneRow(rows, scanPlan)
	return out, wrap(err, "create plan %q", p.Name)
}

// Update changes a plan's name and limits (its owner and audience never change).
func (s Plans) Update(ctx context.Context, p Plan) (Plan, error) {
	rows, _ := s.db.Query(ctx, `
		UPDATE plans SET name = $2, max_clients = $3, max_sites = $4, max_mail_domains = $5, max_mailboxes = $6,
			max_mail_quota_mb = $7, max_mail_aliases = $8, max_domains = $9, site_quota_mb = $10, max_disk_mb = $11
		WHERE id = $1 RETURNING `+planCols,
		p.ID, p.Name, p.MaxClients, p.MaxSites, p.MaxMailDomains, p.MaxMailboxes, p.MaxMailQuotaMB,
		p.MaxMailAliases, p.MaxDomains, p.SiteQuotaMB, p.MaxDiskMB)
	out, err := pgx.CollectExactlyOneRow(rows, scanPlan)
	return out, wrap(err, "update plan %d", p.ID)
}

// ByID returns a plan by id without an ownership check; callers resolve ownership first.
func (s Plans) ByID(ctx context.Context, id int64) (Plan, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+planCols+` FROM plans WHERE id = $1`, id)
	p, err := pgx.CollectExactlyOneRow(rows, scanPlan)
	return p, wrap(err, "plan %d", id)
}

// Owned lists the plans of an owner (resellerID nil: the operator's), optionally only one audience, by name.
func (s Plans) Owned(ctx context.Context, resellerID *int64, audience Role) ([]Plan, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+planCols+` FROM plans
		WHERE reseller_id IS NOT DISTINCT FROM $1 AND ($2 = '' OR audience = $2) ORDER BY lower(name)`,
		resellerID, string(audience))
	list, err := pgx.CollectRows(rows, scanPlan)
	return list, wrap(err, "list plans")
}

// InUse counts the live customers on a plan.
func (s Plans) InUse(ctx context.Context, id int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM customers WHERE plan_id = $1 AND state <> 'deleted'`, id).Scan(&n)
	return n, wrap(err, "plan %d in use", id)
}

// Delete removes a plan. It returns ErrConflict while any customer row (tombstones included) refers to it.
func (s Plans) Delete(ctx context.Context, id int64) error {
	_, err := s.db.Exec(ctx, `DELETE FROM plans WHERE id = $1`, id)
	if isFKViolation(err) {
		return ErrConflict
	}
	return wrap(err, "delete plan %d", id)
}
