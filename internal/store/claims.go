package store

import (
	"context"
	"strings"
	"time"
)

// Claims is the domain registry: which customer each host name belongs to.
type Claims struct{ db DBTX }

// NewClaims returns the registry over db.
func NewClaims(db DBTX) Claims { return Claims{db: db} }

// ClaimConflict is another customer's claim that a name collides with.
type ClaimConflict struct {
	Name       string // the claimed name: equal to, above or under the one asked for
	CustomerID int64
}

// Claim records name (normalised: lower-case punycode without a trailing dot) for customerID, inside a
// transaction. Every claim that overlaps it (the same name, a name under it, or one above it) is serialised by a
// transaction advisory lock on the name's last two labels, which any two overlapping names share. It returns the
// first conflicting claim of another customer, or nil when the name is now the customer's.
func (s Claims) Claim(ctx context.Context, customerID int64, name string) (*ClaimConflict, error) {
	if _, err := s.db.Exec(ctx, `SELECT pg_advisory_xact_lock(domain_claim_lock($1))`, name); err != nil {
		return nil, wrap(err, "lock claim %q", name)
	}
	var c ClaimConflict
	err := s.db.QueryRow(ctx, `SELECT name, customer_id FROM domain_claims
		WHERE customer_id <> $1 AND (name = ANY($2) OR reverse(name) LIKE $3)
		ORDER BY length(name) LIMIT 1`, customerID, parents(name), escapeLike(reverse(name))+".%").Scan(&c.Name, &c.CustomerID)
	if err == nil {
		return &c, nil
	}
	if err = wrap(err, "claim %q", name); err != ErrNotFound {
		return nil, err
	}
	// The row may exist already (an object of this customer, or a writer the registry's trigger followed): the
	// answer says whose it is.
	var holder int64
	err = s.db.QueryRow(ctx, `INSERT INTO domain_claims (name, customer_id) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING customer_id`, name, customerID).Scan(&holder)
	if err != nil {
		return nil, wrap(err, "claim %q", name)
	}
	if holder != customerID {
		return &ClaimConflict{Name: name, CustomerID: holder}, nil
	}
	return nil, nil
}

// Release drops customerID's claim on name when none of its sites, mail domains or domain-limit entries still
// uses it. Rows are deleted only once ISPConfig no longer has the object, so a name is free again only when the
// last object using it is really gone.
func (s Claims) Release(ctx context.Context, customerID int64, name string) error {
	_, err := s.db.Exec(ctx, `DELETE FROM domain_claims d WHERE d.name = $1 AND d.customer_id = $2
		AND NOT EXISTS (SELECT 1 FROM sites WHERE customer_id = $2 AND lower(domain) = $1)
		AND NOT EXISTS (SELECT 1 FROM mail_domains WHERE customer_id = $2 AND lower(domain) = $1)
		AND NOT EXISTS (SELECT 1 FROM domains WHERE customer_id = $2 AND lower(domain) = $1)`, name, customerID)
	return wrap(err, "release claim %q", name)
}

// ClaimConflictRow is a conflict the registry's migration found in existing records.
type ClaimConflictRow struct {
	ID            int64
	Name          string
	CustomerID    int64
	CustomerName  string
	ClaimedName   string
	ClaimedBy     int64
	ClaimedByName string
	FoundAt       time.Time
}

// Conflicts lists the conflicts found in existing records, newest first (at most 200).
func (s Claims) Conflicts(ctx context.Context) ([]ClaimConflictRow, error) {
	rows, err := s.db.Query(ctx, `SELECT k.id, k.name, k.customer_id, c.name, k.claimed_name, k.claimed_by, o.name, k.found_at
		FROM domain_claim_conflicts k JOIN customers c ON c.id = k.customer_id JOIN customers o ON o.id = k.claimed_by
		ORDER BY k.id DESC LIMIT 200`)
	if err != nil {
		return nil, wrap(err, "claim conflicts")
	}
	defer rows.Close()
	var out []ClaimConflictRow
	for rows.Next() {
		var r ClaimConflictRow
		if err := rows.Scan(&r.ID, &r.Name, &r.CustomerID, &r.CustomerName, &r.ClaimedName, &r.ClaimedBy, &r.ClaimedByName, &r.FoundAt); err != nil {
			return nil, wrap(err, "claim conflicts")
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "claim conflicts")
}

// parents returns name and every name above it with at least two labels: a.b.example.com → itself,
// b.example.com, example.com.
func parents(name string) []string {
	out := []string{name}
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			break
		}
		name = name[i+1:]
		if !strings.Contains(name, ".") {
			break
		}
		out = append(out, name)
	}
	return out
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Taken reports whether name, a name above it or a name under it is claimed by any customer (for a visitor who has
// no customer yet).
func (s Claims) Taken(ctx context.Context, name string) (bool, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM domain_claims WHERE name = ANY($1) OR reverse(name) LIKE $2`,
		parents(name), escapeLike(reverse(name))+".%").Scan(&n)
	return n > 0, wrap(err, "claims on %q", name)
}
