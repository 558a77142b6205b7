package tenancy

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// The plan screens' operations. Admins manage the operator's plans (for resellers and direct clients); a reseller
// manages its own client plans, each capped by the reseller's own plan.

// PlanDraft is a plan form as typed: limits are -1 (unlimited), 0 (none) or more.
type PlanDraft struct {
	Name                                                       string
	Audience                                                   string
	Clients, Sites, MailDomains, Mailboxes, MailQuota, Aliases string
	Domains, SiteQuota, Disk                                   string
}

// PlanOwner is whose plans an actor manages: the operator's (ResellerID nil) or a reseller's own, who they may be
// for, and the reseller's own plan that caps them.
type PlanOwner struct {
	ResellerID *int64
	Audiences  []string
	Ceiling    *store.Plan
}

// PlanOwnerOf returns whose plans the actor manages; clients manage none.
func (s *Service) PlanOwnerOf(ctx context.Context, a Actor) (PlanOwner, error) {
	switch {
	case a.Effective.Role == store.RoleAdmin:
		return PlanOwner{Audiences: []string{"client", "reseller"}}, nil
	case a.Effective.Role == store.RoleReseller && a.Effective.CustomerID != nil:
		c, own, err := s.ownCustomer(ctx, a)
		if err != nil {
			return PlanOwner{}, err
		}
		return PlanOwner{ResellerID: &c.ID, Audiences: []string{"client"}, Ceiling: &own}, nil
	}
	return PlanOwner{}, errNotFound
}

// Plans lists the actor's plans by name.
func (s *Service) Plans(ctx context.Context, a Actor) (PlanOwner, []store.Plan, error) {
	o, err := s.PlanOwnerOf(ctx, a)
	if err != nil {
		return o, nil, err
	}
	list, err := store.NewPlans(s.pool).Owned(ctx, o.ResellerID, "")
	return o, list, err
}

// check validates a plan form for owner o. audiences narrows who the plan may be for (an existing plan keeps its
// audience).
func (o PlanOwner) check(d PlanDraft, audiences []string) (store.Plan, error) {
	if len(audiences) == 1 {
		d.Audience = audiences[0]
	}
	errs := fail.Fields{}
	p := store.Plan{Name: strings.TrimSpace(d.Name), Audience: store.Role(d.Audience), ResellerID: o.ResellerID}
	if p.Name == "" || ispapi.CheckText(p.Name, 60).Format != "" {
		errs.Addf("name", "Enter a name of at most 60 characters, without < >, line breaks or control characters.")
	}
	if !slices.Contains(audiences, d.Audience) {
		errs.Addf("audience", "Choose who the plan is for.")
	}
	// limit parses one limit; an optional one left empty gets its default.
	limit := func(field, raw string, dst *int, optional bool, def int) {
		raw = strings.TrimSpace(raw)
		if raw == "" && optional {
			*dst = def
			return
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < store.Unlimited || n > 1_000_000_000 {
			errs.Addf(field, "Enter -1 (unlimited), 0 (none) or a positive number.")
			return
		}
		*dst = n
	}
	limit("max_clients", d.Clients, &p.MaxClients, true, 0)
	limit("max_sites", d.Sites, &p.MaxSites, false, 0)
	limit("max_mail_domains", d.MailDomains, &p.MaxMailDomains, false, 0)
	limit("max_mailboxes", d.Mailboxes, &p.MaxMailboxes, false, 0)
	limit("max_mail_quota_mb", d.MailQuota, &p.MaxMailQuotaMB, false, 0)
	limit("max_mail_aliases", d.Aliases, &p.MaxMailAliases, false, 0)
	limit("max_domains", d.Domains, &p.MaxDomains, false, 0)
	limit("site_quota_mb", d.SiteQuota, &p.SiteQuotaMB, false, 0)
	limit("max_disk_mb", d.Disk, &p.MaxDiskMB, true, store.Unlimited) // no total beyond the per-site quota
	if p.Audience == store.RoleClient {
		p.MaxClients = 0
	} else if p.Audience == store.RoleReseller && p.MaxClients == 0 && errs["max_clients"].Format == "" {
		errs.Addf("max_clients", "A reseller plan needs at least one client (or -1 for unlimited).")
	}
	if o.Ceiling != nil && len(errs) == 0 {
		if over := p.Limits.Within(o.Ceiling.Limits); len(over) > 0 {
			errs.Addf("form", "Your own plan does not allow that much: %s.", i18n.List(over))
		}
	}
	return p, errs.Err()
}

var errPlanName = fail.Field("name", "You already have a plan with this name.")

// CreatePlan validates and records a new plan of the actor's.
func (s *Service) CreatePlan(ctx context.Context, a Actor, d PlanDraft) (store.Plan, error) {
	o, err := s.PlanOwnerOf(ctx, a)
	if err != nil {
		return store.Plan{}, err
	}
	p, err := o.check(d, o.Audiences)
	if err != nil {
		return p, err
	}
	created, err := store.NewPlans(s.pool).Create(ctx, p)
	if errors.Is(err, store.ErrConflict) {
		return p, errPlanName
	}
	if err == nil {
		s.audit(ctx, a, "plan.create", "plan", created.ID, store.OutcomeSuccess, created.Name)
	}
	return created, err
}

// PlanView is what a plan's page shows.
type PlanView struct {
	Plan   store.Plan
	InUse  int // live customers on it
	Owner  PlanOwner
	Public bool // offered on the owner's signup page (client plans)
}

// Plan returns plan id's page, for an actor that manages it.
func (s *Service) Plan(ctx context.Context, a Actor, id int64) (PlanView, error) {
	var v PlanView
	var err error
	if v.Owner, err = s.PlanOwnerOf(ctx, a); err != nil {
		return v, err
	}
	if err = store.Resolve(ctx, s.pool, a.Scope(), store.KindPlan, id); err != nil {
		return v, err
	}
	plans := store.NewPlans(s.pool)
	if v.Plan, err = plans.ByID(ctx, id); err != nil {
		return v, err
	}
	if v.InUse, err = plans.InUse(ctx, id); err != nil {
		return v, err
	}
	if v.Plan.Audience == store.RoleClient {
		v.Public, err = store.NewSignups(s.pool).PlanPublic(ctx, id)
	}
	return v, err
}

// PlanSaved is the outcome of a plan update.
type PlanSaved struct {
	Plan        store.Plan
	Syncing     bool     // customers use it: ISPConfig's copy of their limits is being updated
	OverCeiling []string // a reseller plan: the clients whose plans now allow more than it does
}

// UpdatePlan validates and saves a plan. A plan can't shrink below what a customer on it already uses.
func (s *Service) UpdatePlan(ctx context.Context, a Actor, id int64, d PlanDraft) (PlanSaved, error) {
	v, err := s.Plan(ctx, a, id)
	if err != nil {
		return PlanSaved{}, err
	}
	upd, err := v.Owner.check(d, []string{string(v.Plan.Audience)})
	if err != nil {
		return PlanSaved{}, err
	}
	upd.ID, upd.ResellerID = v.Plan.ID, v.Plan.ResellerID
	if err := s.planOverUsed(ctx, upd); err != nil {
		return PlanSaved{}, err
	}
	saved, err := store.NewPlans(s.pool).Update(ctx, upd)
	if errors.Is(err, store.ErrConflict) {
		return PlanSaved{}, errPlanName
	}
	if err != nil {
		return PlanSaved{}, err
	}
	s.audit(ctx, a, "plan.update", "plan", saved.ID, store.OutcomeSuccess, saved.Name)
	out := PlanSaved{Plan: saved}
	if v.InUse > 0 {
		if err := s.PlanChanged(ctx, saved.ID); err != nil {
			return out, err
		}
		out.Syncing = true
	}
	if saved.Audience == store.RoleReseller {
		out.OverCeiling, err = s.PlanOverCeiling(ctx, saved.ID)
	}
	return out, err
}

// planOverUsed refuses the new limits with a form error naming the first customer on the plan whose usage would
// exceed them.
func (s *Service) planOverUsed(ctx context.Context, plan store.Plan) error {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM customers WHERE plan_id = $1 AND state <> 'deleted' ORDER BY id`, plan.ID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	customers := store.NewCustomers(s.pool)
	for _, id := range ids {
		c, err := customers.ByID(ctx, id)
		if err != nil {
			return err
		}
		u, err := customers.UsageOf(ctx, c)
		if err != nil {
			return err
		}
		if over := Exceeds(u, plan.Limits, c.Kind); len(over) > 0 {
			return fail.Field("form", "%s already uses more than that: %s.", c.Name, i18n.List(over))
		}
	}
	return nil
}

// DeletePlan deletes a plan that no customer uses or used, and returns it.
func (s *Service) DeletePlan(ctx context.Context, a Actor, id int64) (store.Plan, error) {
	v, err := s.Plan(ctx, a, id)
	if err != nil {
		return v.Plan, err
	}
	if err := store.NewPlans(s.pool).Delete(ctx, id); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return v.Plan, fail.Conflict("This plan is (or was) used by customers and can't be deleted.")
		}
		return v.Plan, err
	}
	s.audit(ctx, a, "plan.delete", "plan", id, store.OutcomeSuccess, v.Plan.Name)
	return v.Plan, nil
}
