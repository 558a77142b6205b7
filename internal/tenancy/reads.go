package tenancy

import (
	"context"

	"portal/internal/store"
)

// Customers lists a page of the customers the actor may see (its scope, in SQL).
func (s *Service) Customers(ctx context.Context, a Actor, f store.CustomerFilter) ([]store.Customer, store.Paging, error) {
	return store.NewCustomers(s.pool).List(ctx, a.Scope(), f)
}

// ClientChoices returns what a client picker offers the actor for q: the clients it may create objects for, or the
// customers it may filter its invoices by (store.ChoiceFor), matching q's search; q's chosen customer only when the
// actor may choose it.
func (s *Service) ClientChoices(ctx context.Context, a Actor, q store.ChoiceQuery) (store.ClientChoices, error) {
	return store.NewCustomers(s.pool).Choices(ctx, a.Scope(), q)
}

// Resolve is the ownership choke point every route with an object id passes (store.Resolve): nil when the
// effective account may see object id of kind, ErrNotFound otherwise, the same answer as for an id that does not
// exist.
func (s *Service) Resolve(ctx context.Context, effective store.Account, kind store.Kind, id int64) error {
	return store.Resolve(ctx, s.pool, store.ScopeOf(effective), kind, id)
}

// AuditLog returns a page of the audit log matching f, and whether older entries follow: the operator's (admins)
// only.
func (s *Service) AuditLog(ctx context.Context, a Actor, f store.AuditFilter) ([]store.AuditEntry, bool, error) {
	if a.Effective.Role != store.RoleAdmin {
		return nil, false, store.ErrNotFound
	}
	return store.NewAuditLog(s.pool).List(ctx, f)
}

// CustomerAndPlan returns customer id and its plan; the caller resolved that the actor may see it.
func (s *Service) CustomerAndPlan(ctx context.Context, id int64) (store.Customer, store.Plan, error) {
	c, err := store.NewCustomers(s.pool).ByID(ctx, id)
	if err != nil {
		return c, store.Plan{}, err
	}
	p, err := store.NewPlans(s.pool).ByID(ctx, c.PlanID)
	return c, p, err
}

// Dashboard returns what a dashboard counts: customer c's (a reseller's: its clients' too), or the whole portal's
// for nil (an admin's).
func (s *Service) Dashboard(ctx context.Context, c *store.Customer) (store.Dashboard, error) {
	return store.NewCustomers(s.pool).DashboardOf(ctx, c)
}

// Stats counts the portal's customers and objects, for the operator's platform page.
func (s *Service) Stats(ctx context.Context) (store.Stats, error) {
	return store.NewCustomers(s.pool).CountAll(ctx)
}
