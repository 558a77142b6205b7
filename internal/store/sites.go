package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Site is the portal's record of an ISPConfig website (a vhost). ISPID is nil until ISPConfig has the site.
type Site struct {
	ID          int64
	CustomerID  int64
	ISPID       *int64
	Domain      string // lower-case punycode, as ISPConfig stores it
	PHPMode     string
	SSL         bool
	LetsEncrypt bool
	QuotaMB     int // disk quota, -1 unlimited
	TrafficMB   int // traffic quota, -1 unlimited
	Active      bool
	State       string // StatePending, StateActive, StateFailed or StateDeleting
	StateDetail string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	CustomerName string // filled by List and ByID
	// Apply is ApplyApplying while ISPConfig's web server has not taken the last change, ApplyApplied once it
	// has, and "" when the portal can't see the server's queue (queues.go).
	Apply string
}

// Sites reads and writes the sites table.
type Sites struct{ db DBTX }

// NewSites returns the sites table over db.
func NewSites(db DBTX) Sites { return Sites{db: db} }

var siteCols = `o.id, o.customer_id, o.isp_id, o.domain, o.php_mode, o.ssl, o.letsencrypt, o.quota_mb, o.traffic_mb,
	o.active, o.state, o.state_detail, o.created_at, o.updated_at, c.name, ` + applySQL(KindSite, "web_server_id", "o.id", "o.customer_id")

func scanSite(row pgx.CollectableRow) (Site, error) {
	var s Site
	err := row.Scan(siteDest(&s, nil)...)
	return s, err
}

// siteDest appends to dest where siteCols' columns go in s.
func siteDest(s *Site, dest []any) []any {
	return append(dest, &s.ID, &s.CustomerID, &s.ISPID, &s.Domain, &s.PHPMode, &s.SSL, &s.LetsEncrypt, &s.QuotaMB,
		&s.TrafficMB, &s.Active, &s.State, &s.StateDetail, &s.CreatedAt, &s.UpdatedAt, &s.CustomerName, &s.Apply)
}

// ByID returns a site without an ownership check: callers resolve ownership first (the route choke point).
// Errors: ErrNotFound.
func (s Sites) ByID(ctx context.Context, id int64) (Site, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+siteCols+` FROM sites o JOIN customers c ON c.id = o.customer_id
		WHERE o.id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, scanSite)
	return out, wrap(err, "site %d", id)
}

// Create inserts a pending site. Errors: ErrConflict when the domain is already a site (of anyone).
func (s Sites) Create(ctx context.Context, in Site) (Site, error) {
	var id int64
	err := s.db.QueryRow(ctx, `
		INSERT INTO sites (customer_id, domain, php_mode, ssl, letsencrypt, quota_mb, traffic_mb, active, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending') RETURNING id`,
		in.CustomerID, in.Domain, in.PHPMode, in.SSL, in.LetsEncrypt, in.QuotaMB, in.TrafficMB, in.Active).Scan(&id)
	if err != nil {
		return Site{}, wrap(err, "create site %q", in.Domain)
	}
	return s.ByID(ctx, id)
}

// SetSettings stores the settings ISPConfig confirmed for a site.
func (s Sites) SetSettings(ctx context.Context, in Site) error {
	_, err := s.db.Exec(ctx, `UPDATE sites SET php_mode = $2, ssl = $3, letsencrypt = $4, quota_mb = $5,
		traffic_mb = $6, state_detail = '', updated_at = now() WHERE id = $1`,
		in.ID, in.PHPMode, in.SSL, in.LetsEncrypt, in.QuotaMB, in.TrafficMB)
	return wrap(err, "site %d settings", in.ID)
}

// SetActive stores the active flag ISPConfig confirmed.
func (s Sites) SetActive(ctx context.Context, id int64, active bool) error {
	_, err := s.db.Exec(ctx, `UPDATE sites SET active = $2, state_detail = '', updated_at = now() WHERE id = $1`, id, active)
	return wrap(err, "site %d active", id)
}

// ListFilter selects one page of a list of hosted objects.
type ListFilter struct {
	Query string // part of the domain (or, for admins and resellers, of the customer's name), case-insensitive
	Keyset
	PerPage int // 1–100, default 25
}

func (f *ListFilter) normalize() {
	if f.PerPage <= 0 || f.PerPage > 100 {
		f.PerPage = 25
	}
}

// domainSpec is the list query of a table of objects o named by a domain, ordered by domain.
func domainSpec(cols, from string, f ListFilter) listSpec {
	return listSpec{cols: cols, from: from, order: "lower(o.domain)", cast: "text", id: "o.id", per: f.PerPage}
}

// scopeWhere returns the ownership conditions of a list over objects o joined to their customer c: the generic
// visibleTo rule, plus the same rule spelled so that Postgres can use the (customer_id, lower(domain)) indexes.
func scopeWhere(scope Scope, arg func(any) string) []string {
	var cust *int64
	if scope.CustomerID != 0 {
		cust = &scope.CustomerID
	}
	where := []string{visibleTo(arg(string(scope.Role)), arg(cust))}
	switch scope.Role {
	case RoleClient:
		where = append(where, "o.customer_id = "+arg(scope.CustomerID))
	case RoleReseller:
		where = append(where, "o.customer_id IN (SELECT id FROM customers WHERE reseller_id = "+arg(scope.CustomerID)+")")
	}
	return where
}

// List returns one page of the sites visible to scope that match f, ordered by domain, and its pager.
func (s Sites) List(ctx context.Context, scope Scope, f ListFilter) ([]Site, Paging, error) {
	f.normalize()
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := scopeWhere(scope, arg)
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + escapeLike(strings.ToLower(q)) + "%")
		where = append(where, "(lower(o.domain) LIKE "+p+" OR lower(c.name) LIKE "+p+")")
	}
	w := ` FROM sites o JOIN customers c ON c.id = o.customer_id WHERE ` + strings.Join(where, " AND ")
	sp := domainSpec(siteCols, w, f)
	if scope.Role == RoleClient && scope.CustomerID != 0 && strings.TrimSpace(f.Query) == "" {
		sp.count = counterTotal("sites", scope.CustomerID, arg) // a client's whole list is all its sites
	}
	list, pg, err := listPage(ctx, s.db, sp, f.Keyset, args, siteDest)
	return list, pg, wrap(err, "list sites")
}
