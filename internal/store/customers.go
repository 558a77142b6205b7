package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Customer states.
const (
	StatePending  = "pending"  // recorded here, not yet (known to be) in ISPConfig
	StateActive   = "active"   // in ISPConfig, ids stored
	StateFailed   = "failed"   // ISPConfig refused it; nothing exists there
	StateDeleting = "deleting" // being removed from ISPConfig
	StateDeleted  = "deleted"  // tombstone
)

// Who imposed a customer's own suspension, lowest level first: only that level or a higher one may lift it.
const (
	SuspendedByReseller = "reseller"
	SuspendedByBilling  = "billing"
	SuspendedByAdmin    = "admin"
)

// SuspensionRank orders the levels that may suspend; 0 for an unknown one.
func SuspensionRank(by string) int {
	switch by {
	case SuspendedByReseller:
		return 1
	case SuspendedByBilling:
		return 2
	case SuspendedByAdmin:
		return 3
	}
	return 0
}

// Suspension progress.
const (
	SuspensionNone         = "none"
	SuspensionSuspending   = "suspending"
	SuspensionSuspended    = "suspended"
	SuspensionUnsuspending = "unsuspending"
)

// Customer is a reseller or a client.
type Customer struct {
	ID                  int64
	Kind                Role // RoleReseller or RoleClient
	ResellerID          *int64
	PlatformID          int64
	PlanID              int64
	Name                string
	Company             string
	Email               string
	ISPUsername         string
	ISPClientID         *int64
	ISPGroupID          *int64
	State               string
	StateDetail         string
	SuspendedSelf       bool
	SuspendedBy         string // who imposed its own suspension: SuspendedByAdmin, …Reseller, …Billing; "" if none
	SuspendedByReseller bool
	Suspension          string
	CreatedAt           time.Time
	UpdatedAt           time.Time

	// Filled by list and detail queries.
	PlanName     string
	ResellerName string
}

// Suspended reports whether the customer is, or is becoming, suspended.
func (c Customer) Suspended() bool { return c.SuspendedSelf || c.SuspendedByReseller }

// Customers reads and writes the customers table.
type Customers struct{ db DBTX }

// NewCustomers returns the customers table over db.
func NewCustomers(db DBTX) Customers { return Customers{db: db} }

const customerCols = `c.id, c.kind, c.reseller_id, c.platform_id, c.plan_id, c.name, c.company, c.email, c.isp_username,
	c.isp_client_id, c.isp_group_id, c.state, c.state_detail, c.suspended_self, coalesce(c.suspended_by, ''), c.suspended_by_reseller, c.suspension,
	c.created_at, c.updated_at, p.name, coalesce(r.name, '')`

const customerFrom = ` FROM customers c JOIN plans p ON p.id = c.plan_id LEFT JOIN customers r ON r.id = c.reseller_id`

func scanCustomer(row pgx.CollectableRow) (Customer, error) {
	var c Customer
	err := row.Scan(customerDest(&c, nil)...)
	return c, err
}

// customerDest appends to dest where customerCols' columns go in c.
func customerDest(c *Customer, dest []any) []any {
	return append(dest, &c.ID, &c.Kind, &c.ResellerID, &c.PlatformID, &c.PlanID, &c.Name, &c.Company, &c.Email,
		&c.ISPUsername, &c.ISPClientID, &c.ISPGroupID, &c.State, &c.StateDetail, &c.SuspendedSelf,
		&c.SuspendedBy, &c.SuspendedByReseller, &c.Suspension, &c.CreatedAt, &c.UpdatedAt, &c.PlanName, &c.ResellerName)
}

// Create inserts a pending customer. It returns ErrConflict when the ISPConfig username is taken on the platform.
func (s Customers) Create(ctx context.Context, c Customer) (Customer, error) {
	var id int64
	err := s.db.QueryRow(ctx, `
		INSERT INTO customers (kind, reseller_id, platform_id, plan_id, name, company, email, isp_username, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') RETURNING id`,
		c.Kind, c.ResellerID, c.PlatformID, c.PlanID, c.Name, c.Company, c.Email, c.ISPUsername).Scan(&id)
	if err != nil {
		return Customer{}, wrap(err, "create customer %q", c.ISPUsername)
	}
	return s.ByID(ctx, id)
}

// ByID returns a customer, tombstones included, without an ownership check: callers resolve ownership first.
func (s Customers) ByID(ctx context.Context, id int64) (Customer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+customerCols+customerFrom+` WHERE c.id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanCustomer)
	return c, wrap(err, "customer %d", id)
}

// resellerBySlug selects the id of the live reseller whose signup page's slug is $1 (migration 00023: unique
// among live resellers).
const resellerBySlug = `SELECT id FROM customers WHERE kind = 'reseller' AND signup_slug = lower($1) AND state <> 'deleted'`

// BySlug returns the reseller whose signup page is at slug. Errors: ErrNotFound.
func (s Customers) BySlug(ctx context.Context, slug string) (Customer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+customerCols+customerFrom+` WHERE c.id = (`+resellerBySlug+`)`, slug)
	c, err := pgx.CollectExactlyOneRow(rows, scanCustomer)
	return c, wrap(err, "reseller of signup page %q", slug)
}

// Visible returns customer id if scope may see it (Resolve's rule), in one statement. Errors: ErrNotFound, also
// for a customer the scope may not see.
func (s Customers) Visible(ctx context.Context, scope Scope, id int64) (Customer, error) {
	var cust *int64
	if scope.CustomerID != 0 {
		cust = &scope.CustomerID
	}
	rows, _ := s.db.Query(ctx, `SELECT `+customerCols+customerFrom+` WHERE c.id = $1 AND `+visibleCustomer, id, string(scope.Role), cust)
	c, err := pgx.CollectExactlyOneRow(rows, scanCustomer)
	return c, wrap(err, "customer %d", id)
}

// Lock returns a customer with its row locked until the transaction ends. Limit checks lock the owner row so two
// concurrent creates can't both pass.
func (s Customers) Lock(ctx context.Context, id int64) (Customer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+customerCols+customerFrom+` WHERE c.id = $1 FOR UPDATE OF c`, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanCustomer)
	return c, wrap(err, "lock customer %d", id)
}

// CustomerFilter selects a page of customers visible to a scope.
type CustomerFilter struct {
	Kind       Role   // RoleReseller or RoleClient
	ResellerID *int64 // only the clients of this reseller
	Query      string // matches name, company, email or username, case-insensitively
	Only       string // "": all; "failed", "pending", "suspended", "over" (over quota): a dashboard's attention list
	Sort       string // "name" (default), "created", "state", "email"
	Desc       bool
	Keyset
	PerPage int
}

// customerSorts are the sort orders of customer lists, each served by an index per scope (migration 00012).
var customerSorts = map[string]struct{ expr, cast string }{"name": {"lower(c.name)", "text"},
	"created": {"c.created_at", "timestamptz"}, "state": {"c.state", "text"}, "email": {"lower(c.email)", "text"}}

// List returns one page of the customers visible to scope that match f, and its pager.
func (s Customers) List(ctx context.Context, scope Scope, f CustomerFilter) ([]Customer, Paging, error) {
	if f.PerPage <= 0 || f.PerPage > 100 {
		f.PerPage = 25
	}
	var cust *int64
	if scope.CustomerID != 0 {
		cust = &scope.CustomerID
	}
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	// The same rule as visibleTo, specialised per role so the planner can use the (reseller_id, name) index.
	where := []string{"c.state <> 'deleted'"}
	switch {
	case scope.Role == RoleAdmin:
	case scope.Role == RoleReseller && cust != nil:
		where = append(where, "c.reseller_id = "+arg(*cust))
	case scope.Role == RoleClient && cust != nil:
		where = append(where, "c.id = "+arg(*cust))
	default:
		return nil, Paging{}, nil
	}
	// A reseller's customers are all clients (a CHECK says so): asking for the kind too would only let the planner
	// pick the (kind, …) indexes and filter by reseller.
	if f.Kind != "" && !(scope.Role == RoleReseller && f.Kind == RoleClient) {
		where = append(where, "c.kind = "+arg(string(f.Kind)))
	}
	if f.ResellerID != nil {
		where = append(where, "c.reseller_id = "+arg(*f.ResellerID))
	}
	// A reseller's whole list is its live clients, which its usage counter counts.
	count := ""
	if scope.Role == RoleReseller && cust != nil && f.ResellerID == nil && strings.TrimSpace(f.Query) == "" &&
		f.Only == "" && (f.Kind == "" || f.Kind == RoleClient) {
		count = counterTotal("clients", *cust, arg)
	}
	if strings.TrimSpace(f.Query) != "" {
		where = append(where, customerMatches(f.Query, arg))
	}
	from := customerFrom
	switch f.Only {
	case "failed", "pending":
		where = append(where, "c.state = "+arg(f.Only))
	case "suspended":
		where = append(where, "(c.suspended_self OR c.suspended_by_reseller)")
	case "over":
		where = append(where, overQuota)
	}
	order, ok := customerSorts[f.Sort]
	if !ok {
		order = customerSorts["name"]
	}
	w := " WHERE " + strings.Join(where, " AND ")
	countFrom := " FROM customers c"
	sp := listSpec{cols: customerCols, from: from + w, countFrom: countFrom + w, count: count, order: order.expr,
		cast: order.cast, id: "c.id", desc: f.Desc, per: f.PerPage, term: f.Query}
	list, pg, err := listPage(ctx, s.db, sp, f.Keyset, args, customerDest)
	return list, pg, wrap(err, "list customers")
}

// customerSearch is what a client search matches (aliased c): name, company, email and username, in lower case, in
// one text that migration 00026's trigram index holds (and must be changed with it).
const customerSearch = `lower(c.name || ' ' || c.company || ' ' || c.email || ' ' || c.isp_username)`

// customerMatches is the condition that a customer matches search term q, case-insensitively, anywhere in
// customerSearch (its % and _ taken as themselves).
func customerMatches(q string, arg func(any) string) string {
	return customerSearch + " LIKE " + arg("%"+escapeLike(strings.ToLower(strings.TrimSpace(q)))+"%")
}

// LiveClients lists the non-deleted clients of a reseller, by id.
func (s Customers) LiveClients(ctx context.Context, resellerID int64) ([]Customer, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+customerCols+customerFrom+`
		WHERE c.reseller_id = $1 AND c.state <> 'deleted' ORDER BY c.id`, resellerID)
	list, err := pgx.CollectRows(rows, scanCustomer)
	return list, wrap(err, "clients of %d", resellerID)
}

// CountClients counts a reseller's clients that are not deleted (pending and failed ones included: they hold a
// place until they are deleted).
func (s Customers) CountClients(ctx context.Context, resellerID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM customers WHERE reseller_id = $1 AND state <> 'deleted'`, resellerID).Scan(&n)
	return n, wrap(err, "count clients of %d", resellerID)
}

// SetProvisioned stores the ISPConfig ids and activates a pending customer. It reports false when the customer
// was no longer pending (deleted meanwhile, or activated by another worker).
func (s Customers) SetProvisioned(ctx context.Context, id, ispClientID, ispGroupID int64) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE customers SET isp_client_id = $2, isp_group_id = $3, state = 'active',
		state_detail = '', updated_at = now() WHERE id = $1 AND state = 'pending'`, id, ispClientID, ispGroupID)
	return tag.RowsAffected() == 1, wrap(err, "customer %d provisioned", id)
}

// SetState moves a customer to state with a user-visible detail, only from one of the states in from.
func (s Customers) SetState(ctx context.Context, id int64, state, detail string, from ...string) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE customers SET state = $2, state_detail = $3, updated_at = now(),
		deleted_at = CASE WHEN $2 = 'deleted' THEN now() ELSE deleted_at END
		WHERE id = $1 AND state = ANY($4)`, id, state, detail, from)
	return tag.RowsAffected() == 1, wrap(err, "customer %d state %s", id, state)
}

// SetDetail updates the user-visible detail of a customer's current state.
func (s Customers) SetDetail(ctx context.Context, id int64, detail string) error {
	_, err := s.db.Exec(ctx, `UPDATE customers SET state_detail = $2, updated_at = now() WHERE id = $1`, id, detail)
	return wrap(err, "customer %d detail", id)
}

// SetContact changes a customer's contact details and its sign-in's email and name in one statement pair; run it
// in a transaction. It returns ErrConflict when the email belongs to another account.
func (s Customers) SetContact(ctx context.Context, id int64, name, company, email string) error {
	if _, err := s.db.Exec(ctx, `UPDATE customers SET name = $2, company = $3, email = $4, updated_at = now() WHERE id = $1`,
		id, name, company, email); err != nil {
		return wrap(err, "customer %d contact", id)
	}
	// A new address is not confirmed until its owner follows a link sent to it.
	_, err := s.db.Exec(ctx, `UPDATE accounts SET email = $2, name = $3,
		email_confirmed_at = CASE WHEN lower(email) = lower($2) THEN email_confirmed_at END WHERE customer_id = $1`, id, email, name)
	return wrap(err, "customer %d sign-in email", id)
}

// SetPlan moves a customer to another plan.
func (s Customers) SetPlan(ctx context.Context, id, planID int64) error {
	_, err := s.db.Exec(ctx, `UPDATE customers SET plan_id = $2, updated_at = now() WHERE id = $1`, id, planID)
	return wrap(err, "customer %d plan", id)
}

// SetSuspension records the suspension flags and progress: by is who imposed the customer's own suspension ("" when
// it has none), byReseller whether its reseller's suspension covers it.
func (s Customers) SetSuspension(ctx context.Context, id int64, by string, byReseller bool, progress string) error {
	_, err := s.db.Exec(ctx, `UPDATE customers SET suspended_self = $2 <> '', suspended_by = nullif($2, ''),
		suspended_by_reseller = $3, suspension = $4, updated_at = now() WHERE id = $1`, id, by, byReseller, progress)
	return wrap(err, "customer %d suspension", id)
}

// SetSuspensionProgress records how far ISPConfig has been brought in line with the suspension flags.
func (s Customers) SetSuspensionProgress(ctx context.Context, id int64, progress string) error {
	_, err := s.db.Exec(ctx, `UPDATE customers SET suspension = $2, updated_at = now() WHERE id = $1`, id, progress)
	return wrap(err, "customer %d suspension progress", id)
}

// Usage counts what a customer (or, for a reseller, all its live clients) has, from the portal's records.
type Usage struct {
	Clients     int
	Sites       int
	MailDomains int
	Mailboxes   int
	MailQuotaMB int
	MailAliases int // aliases and forwards
	Domains     int
	DiskMB      int // the sites' disk quotas added up (unlimited sites count as 0)
}

// UsageOf returns the usage of one customer; for a reseller, the sum over its clients. It reads the counters the
// object tables' triggers keep (one row), so limit checks and dashboards cost the same at any size.
func (s Customers) UsageOf(ctx context.Context, c Customer) (Usage, error) {
	var u Usage
	err := s.db.QueryRow(ctx, `SELECT clients, sites, mail_domains, mailboxes, mail_quota_mb, mail_aliases, domains, disk_mb
		FROM usage_counters WHERE customer_id = $1`, c.ID).
		Scan(&u.Clients, &u.Sites, &u.MailDomains, &u.Mailboxes, &u.MailQuotaMB, &u.MailAliases, &u.Domains, &u.DiskMB)
	return u, wrap(err, "usage of %d", c.ID)
}

// Stats counts live customers for the operator's dashboard.
type Stats struct {
	Resellers, Clients, Pending, Failed, Suspended int
}

// CountAll returns the operator-wide counts of live customers. It reads the one row the customers table's
// triggers keep (migration 00012), so the operator's dashboard costs the same at any number of customers.
func (s Customers) CountAll(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRow(ctx, `SELECT resellers, clients, pending, failed, suspended FROM customer_stats`).
		Scan(&st.Resellers, &st.Clients, &st.Pending, &st.Failed, &st.Suspended)
	return st, wrap(err, "count customers")
}
