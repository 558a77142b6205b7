package hosting

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"portal/internal/fail"
	"portal/internal/ispapi"
	"portal/internal/store"

	"golang.org/x/net/publicsuffix"
)

// clientFor returns the client an object is created for: a client's own customer, or for admins and resellers the
// customer id they named, resolved in their scope. Anything else is a field error, never a lookup across tenants.
func (s *Service) clientFor(ctx context.Context, a Actor, raw string) (int64, error) {
	if a.Effective.Role == store.RoleClient {
		if a.Effective.CustomerID == nil {
			return 0, store.ErrNotFound
		}
		return *a.Effective.CustomerID, nil
	}
	bad := fail.Field("customer_id", "Choose one of your active clients.")
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || id <= 0 {
		return 0, bad
	}
	if err := store.Resolve(ctx, s.pool, a.Scope(), store.KindCustomer, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return 0, bad
		}
		return 0, err
	}
	c, err := store.NewCustomers(s.pool).ByID(ctx, id)
	if err != nil {
		return 0, err
	}
	if c.Kind != store.RoleClient || c.State != store.StateActive {
		return 0, bad
	}
	return id, nil
}

// megabytes reads a quota in MB: -1 (unlimited) or 1…1,000,000,000. ISPConfig treats 0 as empty and refuses it.
func megabytes(raw, field string, errs fail.Fields) int {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil || n == 0 || n < -1 || n > 1_000_000_000 {
		errs.Addf(field, "Enter a number of MB from 1 to 1000000000, or -1 for unlimited.")
		return 0
	}
	return n
}

// domainFor reads the two fields every object that claims a name starts with: the domain (normalised: IDNA to
// ASCII, lower case, no trailing dot) and the client it is for. It adds their problems to errs and returns any
// other error as it is.
func (s *Service) domainFor(ctx context.Context, a Actor, customer, domain string, errs fail.Fields) (int64, string, error) {
	name, err := ispapi.NormalizeDomain(domain)
	if err != nil {
		errs.Addf("domain", "Enter a domain name such as example.com.")
	} else if _, err := publicsuffix.EffectiveTLDPlusOne(name); err != nil {
		// co.uk or github.io: claiming it would shut every other customer out of everything under it.
		errs.Addf("domain", "That is a public suffix shared by many owners; enter a domain under it, such as example.%s.", name)
	}
	client, err := s.clientFor(ctx, a, customer)
	if fe := fail.FieldsOf(err); fe != nil {
		for k, v := range fe {
			errs.Addf(k, v.Format, v.Args...)
		}
		return 0, name, nil
	}
	return client, name, err
}

// ClaimConflicts lists the domain-registry conflicts found in records that predate the registry (admins only; the
// route checks the role).
func (s *Service) ClaimConflicts(ctx context.Context) ([]store.ClaimConflictRow, error) {
	return store.NewClaims(s.pool).Conflicts(ctx)
}
