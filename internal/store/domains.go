package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Domain is an entry of the domain-limit table: a domain a client may use for sites and mail when the operator
// enables the domain limit. ISPID is nil until ISPConfig has the entry.
type Domain struct {
	ID          int64
	CustomerID  int64
	ISPID       *int64
	Domain      string // lower-case punycode
	State       string
	StateDetail string
	CreatedAt   time.Time
	UpdatedAt   time.Time

	CustomerName string // filled by List and ByID
}

// Domains reads and writes the domains table.
type Domains struct{ db DBTX }

// NewDomains returns the domains table over db.
func NewDomains(db DBTX) Domains { return Domains{db: db} }

const domainCols = `o.id, o.customer_id, o.isp_id, o.domain, o.state, o.state_detail, o.created_at, o.updated_at, c.name`

func scanDomain(row pgx.CollectableRow) (Domain, error) {
	var d Domain
	err := row.Scan(domainDest(&d, nil)...)
	return d, err
}

// domainDest appends to dest where domainCols' columns go in d.
func domainDest(d *Domain, dest []any) []any {
	return append(dest, &d.ID, &d.CustomerID, &d.ISPID, &d.Domain, &d.State, &d.StateDetail, &d.CreatedAt, &d.UpdatedAt,
		&d.CustomerName)
}

// ByID returns an entry without an ownership check: callers resolve ownership first. Errors: ErrNotFound.
func (s Domains) ByID(ctx context.Context, id int64) (Domain, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+domainCols+` FROM domains o JOIN customers c ON c.id = o.customer_id
		WHERE o.id = $1`, id)
	out, err := pgx.CollectExactlyOneRow(rows, scanDomain)
	return out, wrap(err, "domain %d", id)
}

// Lock returns an entry with its row locked until the transaction ends. Errors: ErrNotFound.
func (s Domains) Lock(ctx context.Context, id int64) (Domain, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+domainCols+` FROM domains o JOIN customers c ON c.id = o.customer_id
		WHERE o.id = $1 FOR UPDATE OF o`, id)
	out, err := pgx.CollectExactlyOneRow(rows, scanDomain)
	return out, wrap(err, "lock domain %d", id)
}

// Create inserts a pending entry. Errors: ErrConflict when the domain is already assigned (to anyone).
func (s Domains) Create(ctx context.Context, customerID int64, domain string) (Domain, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO domains (customer_id, domain, state) VALUES ($1, $2, 'pending') RETURNING id`,
		customerID, domain).Scan(&id)
	if err != nil {
		return Domain{}, wrap(err, "create domain %q", domain)
	}
	return s.ByID(ctx, id)
}

// SetOwner assigns an entry to a customer with a state and detail (a move records 'pending' first, then the
// outcome).
func (s Domains) SetOwner(ctx context.Context, id, customerID int64, state, detail string) error {
	_, err := s.db.Exec(ctx, `UPDATE domains SET customer_id = $2, state = $3, state_detail = $4, updated_at = now()
		WHERE id = $1`, id, customerID, state, detail)
	return wrap(err, "domain %d owner", id)
}

// Allows reports whether customerID holds an active entry for domain (lower-case punycode) or, with subdomains,
// for a parent domain of it ("shop.example.com" under "example.com").
func (s Domains) Allows(ctx context.Context, customerID int64, domain string, subdomains bool) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM domains
		WHERE customer_id = $1 AND state = 'active' AND (lower(domain) = $2
			OR ($3 AND right($2, length(domain) + 1) = '.' || lower(domain))))`,
		customerID, strings.ToLower(domain), subdomains).Scan(&ok)
	return ok, wrap(err, "domain %q allowed for %d", domain, customerID)
}

// List returns one page of the entries visible to scope that match f, ordered by domain, and the number of
// matches.
func (s Domains) List(ctx context.Context, scope Scope, f ListFilter) ([]Domain, Paging, error) {
	f.normalize()
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := scopeWhere(scope, arg)
	if q := strings.TrimSpace(f.Query); q != "" {
		p := arg("%" + escapeLike(strings.ToLower(q)) + "%")
		where = append(where, "(lower(o.domain) LIKE "+p+" OR lower(c.name) LIKE "+p+")")
	}
	w := ` FROM domains o JOIN customers c ON c.id = o.customer_id WHERE ` + strings.Join(where, " AND ")
	list, pg, err := listPage(ctx, s.db, domainSpec(domainCols, w, f), f.Keyset, args, domainDest)
	return list, pg, wrap(err, "list domains")
}
