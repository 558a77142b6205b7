package tenancy

import (
	"context"
	"strconv"

	"portal/internal/store"
)

// Actor is who asks: the signed-in account, the account it acts as (itself unless impersonating), where the
// request came from, and whether the signed-in person confirmed their password within the last few minutes.
type Actor struct {
	Acting    store.Account
	Effective store.Account
	IP        string
	// Recent: the acting person re-authenticated within the window that deletions and sign-in changes need.
	Recent bool
	// Customer and Plan are the effective account's customer and its plan when the caller already has them (the
	// session loads them with the request); nil otherwise. Services use them instead of reading them again.
	Customer *store.Customer
	Plan     *store.Plan
}

// ownCustomer returns the effective account's customer and plan: the ones the actor carries, or read.
func (s *Service) ownCustomer(ctx context.Context, a Actor) (store.Customer, store.Plan, error) {
	if a.Customer != nil && a.Plan != nil && a.Effective.CustomerID != nil && a.Customer.ID == *a.Effective.CustomerID {
		return *a.Customer, *a.Plan, nil
	}
	if a.Effective.CustomerID == nil {
		return store.Customer{}, store.Plan{}, store.ErrNotFound
	}
	return s.CustomerAndPlan(ctx, *a.Effective.CustomerID)
}

// Scope is what the actor may see.
func (a Actor) Scope() store.Scope { return store.ScopeOf(a.Effective) }

// Impersonating reports whether the actor acts as another account.
func (a Actor) Impersonating() bool { return a.Acting.ID != a.Effective.ID }

// suspender is the suspension level the actor imposes or lifts: a reseller's own, or the admin's.
func (a Actor) suspender() string {
	if a.Effective.Role == store.RoleReseller {
		return store.SuspendedByReseller
	}
	return store.SuspendedByAdmin
}

// Entry is an audit entry for something the actor did.
func (a Actor) Entry(action, objType string, id int64, outcome, detail string) store.AuditEntry {
	e := store.AuditEntry{Action: action, ObjectType: objType, IP: a.IP, Outcome: outcome, Detail: detail}
	if id > 0 {
		e.ObjectID = strconv.FormatInt(id, 10)
	}
	if a.Acting.ID != 0 {
		e.ActingAccountID, e.ActingEmail = &a.Acting.ID, a.Acting.Email
	}
	if a.Effective.ID != 0 {
		e.EffectiveAccountID, e.EffectiveEmail = &a.Effective.ID, a.Effective.Email
	}
	return e
}

// audit appends an entry for one of the actor's operations (customers, plans, platforms, drift); a failure to
// audit is logged loudly,
// since the action itself has happened either way.
func (s *Service) audit(ctx context.Context, a Actor, action, objType string, id int64, outcome, detail string) {
	if err := store.NewAuditLog(s.pool).Append(context.WithoutCancel(ctx), a.Entry(action, objType, id, outcome, detail)); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", err, "action", action)
	}
}
