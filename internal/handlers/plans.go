package handlers

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/a-h/templ"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// planBase is where the effective account's plans live.
func planBase(r *http.Request) string {
	p, _ := principalFrom(r.Context())
	if p.Effective.Role == store.RoleAdmin {
		return "/admin/plans"
	}
	return "/reseller/plans"
}

var planFields = []string{"name", "audience", "max_clients", "max_sites", "max_mail_domains", "max_mailboxes",
	"max_mail_quota_mb", "max_mail_aliases", "max_domains", "site_quota_mb", "max_disk_mb"}

// planDraft reads a plan form.
func planDraft(f form) tenancy.PlanDraft {
	return tenancy.PlanDraft{Name: f["name"], Audience: f["audience"], Clients: f["max_clients"], Sites: f["max_sites"],
		MailDomains: f["max_mail_domains"], Mailboxes: f["max_mailboxes"], MailQuota: f["max_mail_quota_mb"],
		Aliases: f["max_mail_aliases"], Domains: f["max_domains"], SiteQuota: f["site_quota_mb"], Disk: f["max_disk_mb"]}
}

// planList serves GET /admin/plans and /reseller/plans.
func (h *Handler) planList(w http.ResponseWriter, r *http.Request) error {
	v := views.PlanFormValues{Audience: "client", Clients: "0", Sites: "1", MailDomains: "1", Mailboxes: "5",
		MailQuota: "1024", Aliases: "10", Domains: "1", SiteQuota: "1024"}
	return h.plansPage(w, r, http.StatusOK, v, nil)
}

func (h *Handler) plansPage(w http.ResponseWriter, r *http.Request, status int, v views.PlanFormValues, errs views.FieldErrors) error {
	o, plans, err := h.tenancy.Plans(r.Context(), h.actor(r))
	if err != nil {
		return err
	}
	return h.render(w, r, status, "Plans", views.PlansPage(planBase(r), plans, o.Audiences, v, errs, o.Ceiling))
}

// planCreate serves POST /admin/plans and /reseller/plans.
func (h *Handler) planCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, planFields...)
	if err != nil {
		return err
	}
	d := planDraft(f)
	created, err := h.tenancy.CreatePlan(r.Context(), h.actor(r), d)
	if fe, ok := fail.As(err); ok && fe.Status == http.StatusUnprocessableEntity {
		return h.plansPage(w, r, http.StatusUnprocessableEntity, views.PlanFormValues(d), formFields(r, fe))
	}
	if err != nil {
		return err
	}
	h.flash(r, "Plan %s created.", created.Name)
	redirect(w, r, planBase(r))
	return nil
}

// planShow serves GET /admin/plans/{planID} and /reseller/plans/{planID}.
func (h *Handler) planShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "planID")
	if err != nil {
		return err
	}
	v, err := h.tenancy.Plan(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, v.Plan.Name, h.planPage(r, v, views.PlanValues(v.Plan), nil))
}

func (h *Handler) planPage(r *http.Request, v tenancy.PlanView, fv views.PlanFormValues, errs views.FieldErrors) templ.Component {
	base := planBase(r)
	page := views.PlanPage(base, v.Plan, v.InUse, fv, errs, v.Owner.Ceiling)
	if v.Plan.Audience == store.RoleClient {
		page = templ.Join(page, views.PlanPublicForm(fmt.Sprintf("%s/%d/public", base, v.Plan.ID), v.Public))
	}
	return page
}

// planUpdate serves POST /admin/plans/{planID} and /reseller/plans/{planID}.
func (h *Handler) planUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "planID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, planFields...)
	if err != nil {
		return err
	}
	d := planDraft(f)
	saved, err := h.tenancy.UpdatePlan(r.Context(), h.actor(r), id, d)
	if fe, ok := fail.As(err); ok && fe.Status == http.StatusUnprocessableEntity {
		v, verr := h.tenancy.Plan(r.Context(), h.actor(r), id)
		if verr != nil {
			return verr
		}
		return h.render(w, r, http.StatusUnprocessableEntity, v.Plan.Name, h.planPage(r, v, views.PlanFormValues(d), formFields(r, fe)))
	}
	if err != nil {
		return err
	}
	l := i18n.From(r.Context())
	msg := l.Textf("Plan %s saved.", saved.Plan.Name)
	if saved.Syncing {
		msg += " " + l.Text("The hosting platform's copy of the limits is being updated for its customers.")
	}
	if len(saved.OverCeiling) > 0 {
		msg += " " + l.Textf("These clients' plans now allow more than their reseller's: %s.", strings.Join(saved.OverCeiling, "; "))
	}
	h.flash(r, "%s", msg)
	redirect(w, r, fmt.Sprintf("%s/%d", planBase(r), saved.Plan.ID))
	return nil
}

// planDelete serves POST /admin/plans/{planID}/delete and /reseller/plans/{planID}/delete.
func (h *Handler) planDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "planID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r, "confirm"); err != nil { // confirm=yes: the confirmation step's button
		return err
	}
	plan, err := h.tenancy.DeletePlan(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	h.flash(r, "Plan %s deleted.", plan.Name)
	redirect(w, r, planBase(r))
	return nil
}
