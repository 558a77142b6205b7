package handlers

import (
	"errors"
	"fmt"
	"github.com/a-h/templ"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// planOwner is whose plans the effective account manages: the operator's (admins) or its own (resellers), and
// the reseller's own plan that caps them.
func (h *Handler) planOwner(r *http.Request) (owner *int64, audiences []string, ceiling *store.Plan, base string, err error) {
	p, _ := principalFrom(r.Context())
	if p.Effective.Role == store.RoleAdmin {
		return nil, []string{"client", "reseller"}, nil, "/admin/plans", nil
	}
	if p.Effective.CustomerID == nil {
		return nil, nil, nil, "", errNotFound
	}
	c, own, err := h.customerAndPlan(r.Context(), p, *p.Effective.CustomerID)
	if err != nil {
		return nil, nil, nil, "", err
	}
	return &c.ID, []string{"client"}, &own, "/reseller/plans", nil
}

// planList serves GET /admin/plans and /reseller/plans.
func (h *Handler) planList(w http.ResponseWriter, r *http.Request) error {
	owner, audiences, ceiling, base, err := h.planOwner(r)
	if err != nil {
		return err
	}
	plans, err := store.NewPlans(h.pool).Owned(r.Context(), owner, "")
	if err != nil {
		return err
	}
	v := views.PlanFormValues{Audience: "client", Clients: "0", Sites: "1", MailDomains: "1", Mailboxes: "5",
		MailQuota: "1024", Aliases: "10", Domains: "1", SiteQuota: "1024"}
	return h.render(w, r, http.StatusOK, "Plans", views.PlansPage(base, plans, audiences, v, nil, ceiling))
}

var planFields = []string{"name", "audience", "max_clients", "max_sites", "max_mail_domains", "max_mailboxes",
	"max_mail_quota_mb", "max_mail_aliases", "max_domains", "site_quota_mb", "max_disk_mb"}

// parsePlan validates a plan form. Limits are -1 (unlimited) or more; a reseller's plans must fit its own plan.
func parsePlan(f form, audiences []string, ceiling *store.Plan) (store.Plan, views.PlanFormValues, views.FieldErrors) {
	v := views.PlanFormValues{Name: strings.TrimSpace(f["name"]), Audience: f["audience"], Clients: f["max_clients"],
		Sites: f["max_sites"], MailDomains: f["max_mail_domains"], Mailboxes: f["max_mailboxes"],
		MailQuota: f["max_mail_quota_mb"], Aliases: f["max_mail_aliases"], Domains: f["max_domains"], SiteQuota: f["site_quota_mb"], Disk: f["max_disk_mb"]}
	if len(audiences) == 1 {
		v.Audience = audiences[0]
	}
	errs := views.FieldErrors{}
	p := store.Plan{Name: v.Name, Audience: store.Role(v.Audience)}
	if m := ispapi.CheckText(p.Name, 60); p.Name == "" || m != "" {
		errs["name"] = "Enter a name of at most 60 characters, without < >, line breaks or control characters."
	}
	if !slices.Contains(audiences, v.Audience) {
		errs["audience"] = "Choose who the plan is for."
	}
	limit := func(field, raw string, dst *int) {
		if raw == "" && field == "max_clients" {
			*dst = 0
			return
		}
		if raw == "" && field == "max_disk_mb" { // optional: no total beyond the per-site quota
			*dst = store.Unlimited
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < store.Unlimited || n > 1_000_000_000 {
			errs[field] = "Enter -1 (unlimited), 0 (none) or a positive number."
			return
		}
		*dst = n
	}
	limit("max_clients", v.Clients, &p.MaxClients)
	limit("max_sites", v.Sites, &p.MaxSites)
	limit("max_mail_domains", v.MailDomains, &p.MaxMailDomains)
	limit("max_mailboxes", v.Mailboxes, &p.MaxMailboxes)
	limit("max_mail_quota_mb", v.MailQuota, &p.MaxMailQuotaMB)
	limit("max_mail_aliases", v.Aliases, &p.MaxMailAliases)
	limit("max_domains", v.Domains, &p.MaxDomains)
	limit("site_quota_mb", v.SiteQuota, &p.SiteQuotaMB)
	limit("max_disk_mb", v.Disk, &p.MaxDiskMB)
	if p.Audience == store.RoleClient {
		p.MaxClients = 0
	} else if p.Audience == store.RoleReseller && p.MaxClients == 0 && errs["max_clients"] == "" {
		errs["max_clients"] = "A reseller plan needs at least one client (or -1 for unlimited)."
	}
	if ceiling != nil && len(errs) == 0 {
		if over := p.Limits.Within(ceiling.Limits); len(over) > 0 {
			errs["form"] = "Your own plan does not allow that much: " + strings.Join(over, ", ") + "."
		}
	}
	return p, v, errs
}

// planCreate serves POST /admin/plans and /reseller/plans.
func (h *Handler) planCreate(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	owner, audiences, ceiling, base, err := h.planOwner(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, planFields...)
	if err != nil {
		return err
	}
	plan, v, errs := parsePlan(f, audiences, ceiling)
	plan.ResellerID = owner
	if len(errs) == 0 {
		created, err := store.NewPlans(h.pool).Create(r.Context(), plan)
		if errors.Is(err, store.ErrConflict) {
			errs["name"] = "You already have a plan with this name."
		} else if err != nil {
			return err
		} else {
			h.audited(r, p, "plan.create", "plan", idString(created.ID), store.OutcomeSuccess, created.Name)
			h.flash(r, "Plan "+created.Name+" created.")
			redirect(w, r, base)
			return nil
		}
	}
	plans, err := store.NewPlans(h.pool).Owned(r.Context(), owner, "")
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusUnprocessableEntity, "Plans", views.PlansPage(base, plans, audiences, v, errs, ceiling))
}

// planShow serves GET /admin/plans/{planID} and /reseller/plans/{planID}.
func (h *Handler) planShow(w http.ResponseWriter, r *http.Request) error {
	_, _, ceiling, base, err := h.planOwner(r)
	if err != nil {
		return err
	}
	plan, inUse, err := h.planFromRoute(r)
	if err != nil {
		return err
	}
	page := views.PlanPage(base, plan, inUse, views.PlanValues(plan), nil, ceiling)
	if plan.Audience == store.RoleClient {
		public, err := store.NewSignups(h.pool).PlanPublic(r.Context(), plan.ID)
		if err != nil {
			return err
		}
		page = templ.Join(page, views.PlanPublicForm(fmt.Sprintf("%s/%d/public", base, plan.ID), public))
	}
	return h.render(w, r, http.StatusOK, plan.Name, page)
}

func (h *Handler) planFromRoute(r *http.Request) (store.Plan, int, error) {
	id, err := ownedID(r, "planID")
	if err != nil {
		return store.Plan{}, 0, err
	}
	plan, err := store.NewPlans(h.pool).ByID(r.Context(), id)
	if err != nil {
		return store.Plan{}, 0, err
	}
	n, err := store.NewPlans(h.pool).InUse(r.Context(), id)
	return plan, n, err
}

// planUpdate serves POST /admin/plans/{planID} and /reseller/plans/{planID}. A plan can't shrink below what a
// customer on it already uses.
func (h *Handler) planUpdate(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	_, _, ceiling, base, err := h.planOwner(r)
	if err != nil {
		return err
	}
	plan, inUse, err := h.planFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, planFields...)
	if err != nil {
		return err
	}
	upd, v, errs := parsePlan(f, []string{string(plan.Audience)}, ceiling)
	upd.ID, upd.ResellerID = plan.ID, plan.ResellerID
	if len(errs) == 0 {
		over, err := h.planOverUsed(r, upd)
		if err != nil {
			return err
		}
		if over != "" {
			errs["form"] = over
		}
	}
	if len(errs) > 0 {
		return h.render(w, r, http.StatusUnprocessableEntity, plan.Name, views.PlanPage(base, plan, inUse, v, errs, ceiling))
	}
	saved, err := store.NewPlans(h.pool).Update(r.Context(), upd)
	if errors.Is(err, store.ErrConflict) {
		errs["name"] = "You already have a plan with this name."
		return h.render(w, r, http.StatusUnprocessableEntity, plan.Name, views.PlanPage(base, plan, inUse, v, errs, ceiling))
	}
	if err != nil {
		return err
	}
	h.audited(r, p, "plan.update", "plan", idString(saved.ID), store.OutcomeSuccess, saved.Name)
	msg := "Plan " + saved.Name + " saved."
	if inUse > 0 {
		if err := h.tenancy.PlanChanged(r.Context(), saved.ID); err != nil {
			return err
		}
		msg += " The hosting platform's copy of the limits is being updated for its customers."
	}
	if saved.Audience == store.RoleReseller {
		over, err := h.tenancy.PlanOverCeiling(r.Context(), saved.ID)
		if err != nil {
			return err
		}
		if len(over) > 0 {
			msg += " These clients' plans now allow more than their reseller's: " + strings.Join(over, "; ") + "."
		}
	}
	h.flash(r, msg)
	redirect(w, r, fmt.Sprintf("%s/%d", base, saved.ID))
	return nil
}

// planOverUsed describes the first customer on the plan whose usage would exceed the new limits, or "".
func (h *Handler) planOverUsed(r *http.Request, plan store.Plan) (string, error) {
	ctx := r.Context()
	rows, err := h.pool.Query(ctx, `SELECT id FROM customers WHERE plan_id = $1 AND state <> 'deleted'`, plan.ID)
	if err != nil {
		return "", err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return "", err
	}
	customers := store.NewCustomers(h.pool)
	for _, id := range ids {
		c, err := customers.ByID(ctx, id)
		if err != nil {
			return "", err
		}
		u, err := customers.UsageOf(ctx, c)
		if err != nil {
			return "", err
		}
		if over := tenancy.Exceeds(u, plan.Limits, c.Kind); len(over) > 0 {
			return fmt.Sprintf("%s already uses more than that: %s.", c.Name, strings.Join(over, ", ")), nil
		}
	}
	return "", nil
}

// planDelete serves POST /admin/plans/{planID}/delete and /reseller/plans/{planID}/delete.
func (h *Handler) planDelete(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	_, _, _, base, err := h.planOwner(r)
	if err != nil {
		return err
	}
	plan, _, err := h.planFromRoute(r)
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := store.NewPlans(h.pool).Delete(r.Context(), plan.ID); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return userErr(http.StatusConflict, "This plan is (or was) used by customers and can't be deleted.")
		}
		return err
	}
	h.audited(r, p, "plan.delete", "plan", idString(plan.ID), store.OutcomeSuccess, plan.Name)
	h.flash(r, "Plan "+plan.Name+" deleted.")
	redirect(w, r, base)
	return nil
}
