package handlers

// Transitional: the mail screens still hold their lifecycle and use these helpers. They go when mail moves into
// internal/hosting like sites and domains did.

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/views"
)

// fieldErr is a validation failure found inside a transaction, shown next to a form field ("form": above it).
type fieldErr struct{ field, msg string }

func (e *fieldErr) Error() string { return e.field + ": " + e.msg }

// objectLevel is one plan an object counts against: the client's own, then its reseller's.
type objectLevel struct {
	who   string
	owner store.Customer
	plan  store.Plan
	used  store.Usage
}

// lockObjectOwner locks the client's customer row (its reseller's row first, the one order every request uses)
// until tx ends, refuses a client that writable refuses, and reads the usage from the portal's own rows. Sites,
// domains and mail all count their limits through it.
func lockObjectOwner(ctx context.Context, tx pgx.Tx, clientID int64, writable func(store.Customer) error) (store.Customer, []objectLevel, error) {
	customers := store.NewCustomers(tx)
	c, err := customers.ByID(ctx, clientID)
	if err != nil {
		return c, nil, err
	}
	var reseller *store.Customer
	if c.ResellerID != nil {
		r, err := customers.Lock(ctx, *c.ResellerID)
		if err != nil {
			return c, nil, err
		}
		reseller = &r
	}
	if c, err = customers.Lock(ctx, clientID); err != nil {
		return c, nil, err
	}
	if err := writable(c); err != nil {
		return c, nil, err
	}
	var levels []objectLevel
	add := func(who string, cu store.Customer) error {
		plan, err := store.NewPlans(tx).ByID(ctx, cu.PlanID)
		if err != nil {
			return err
		}
		u, err := customers.UsageOf(ctx, cu)
		levels = append(levels, objectLevel{who: who, owner: cu, plan: plan, used: u})
		return err
	}
	if err := add("The client's plan", c); err != nil {
		return c, nil, err
	}
	if reseller != nil {
		if err := add("The reseller's plan", *reseller); err != nil {
			return c, nil, err
		}
	}
	return c, levels, nil
}

// objectWritable refuses changes for a client that is suspended or not (yet) in ISPConfig.
func objectWritable(c store.Customer) error {
	if c.Suspended() {
		return userErr(http.StatusForbidden, "This client is suspended: its web sites and domains can't be changed until it is unsuspended.")
	}
	if c.State != store.StateActive || c.ISPClientID == nil || c.ISPGroupID == nil {
		return userErr(http.StatusConflict, "This client is not set up on the hosting platform yet ("+c.State+"), so nothing can be created for it.")
	}
	return nil
}

// pickableClients lists the active, unsuspended clients the effective admin or reseller may create objects for
// (the first 100 by name).
func (h *Handler) pickableClients(ctx context.Context, p Principal) ([]views.ClientOption, error) {
	list, _, err := store.NewCustomers(h.pool).List(ctx, store.ScopeOf(p.Effective), store.CustomerFilter{
		Kind: store.RoleClient, PerPage: 100,
	})
	if err != nil {
		return nil, err
	}
	var out []views.ClientOption
	for _, c := range list {
		if c.State == store.StateActive && !c.Suspended() {
			out = append(out, views.ClientOption{ID: c.ID, Name: c.Name})
		}
	}
	return out, nil
}

// formClient returns the client an object is created for: a client's own customer, or for admins and resellers
// the customer_id from the form, resolved in their scope. Anything else is a field error, never a lookup across
// tenants.
func (h *Handler) formClient(ctx context.Context, p Principal, raw string) (store.Customer, error) {
	if p.Effective.Role == store.RoleClient {
		if p.Effective.CustomerID == nil {
			return store.Customer{}, errNotFound
		}
		return store.NewCustomers(h.pool).ByID(ctx, *p.Effective.CustomerID)
	}
	bad := &fieldErr{"customer_id", "Choose one of your active clients."}
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || id <= 0 {
		return store.Customer{}, bad
	}
	if err := store.Resolve(ctx, h.pool, store.ScopeOf(p.Effective), store.KindCustomer, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Customer{}, bad
		}
		return store.Customer{}, err
	}
	c, err := store.NewCustomers(h.pool).ByID(ctx, id)
	if err != nil {
		return c, err
	}
	if c.Kind != store.RoleClient || c.State != store.StateActive {
		return c, bad
	}
	return c, nil
}

// megabytes reads a quota in MB: -1 (unlimited) or 1…1,000,000,000. ISPConfig treats 0 as empty and refuses it.
func megabytes(f form, name string, errs views.FieldErrors) int {
	n, err := strconv.Atoi(strings.TrimSpace(f[name]))
	if err != nil || n == 0 || n < -1 || n > 1_000_000_000 {
		errs[name] = "Enter a number of MB from 1 to 1000000000, or -1 for unlimited."
		return 0
	}
	return n
}

// domainAllowed is the operator's domain limit for the mail screens (sites and domains apply it in the service).
func (h *Handler) domainAllowed(ctx context.Context, customerID int64, domain string) (bool, error) {
	if !h.opts.Settings.DomainLimit {
		return true, nil
	}
	d, err := ispapi.NormalizeDomain(domain)
	if err != nil {
		return false, nil
	}
	return store.NewDomains(h.pool).Allows(ctx, customerID, d, h.opts.Settings.DomainLimitSubdomains)
}
