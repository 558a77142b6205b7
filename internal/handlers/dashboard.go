package handlers

import (
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"portal/internal/store"
	"portal/internal/views"
)

// dashboard handles GET /admin, /reseller and /client: the effective account's start page, from Postgres only: the
// session's statement, one for the page's counters, attention counts and recent activity, and (resellers) one for
// the billing box.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	d := views.DashboardData{Role: string(p.Effective.Role), Name: p.Effective.Name}
	if p.Effective.Role != store.RoleAdmin {
		if p.Effective.CustomerID == nil {
			return h.render(w, r, http.StatusOK, "Dashboard", views.DashboardPage(d))
		}
		if p.Customer == nil {
			if err := h.loadCustomer(ctx, &p); err != nil {
				return err
			}
		}
		d.Customer, d.Plan = p.Customer, *p.Plan
	}
	var err error
	if d.Dashboard, err = h.tenancy.Dashboard(ctx, d.Customer); err != nil {
		return err
	}
	page := views.DashboardPage(d)
	if h.billing != nil && d.Customer != nil && d.Customer.Kind == store.RoleReseller {
		box, err := h.resellerBilling(r)
		if err != nil {
			return err
		}
		page = templ.Join(page, box)
	}
	return h.render(w, r, http.StatusOK, "Dashboard", page)
}

// auditList handles GET /admin/audit (admins only): the audit log, filtered and paginated by id.
func (h *Handler) auditList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := store.AuditFilter{Action: q.Get("action"), Account: q.Get("account"), Outcome: q.Get("outcome"), Limit: 50}
	switch f.Outcome {
	case "", store.OutcomeSuccess, store.OutcomeFailure, store.OutcomeDenied:
	default:
		return userErr(http.StatusBadRequest, "Unknown outcome filter.")
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return userErr(http.StatusBadRequest, "Invalid page.")
		}
		f.Before = n
	}
	entries, more, err := h.tenancy.AuditLog(r.Context(), h.actor(r), f)
	if err != nil {
		return err
	}
	vq := views.AuditQuery{Action: f.Action, Account: f.Account, Outcome: f.Outcome}
	if more {
		vq.NextBefore = entries[len(entries)-1].ID
	}
	return h.render(w, r, http.StatusOK, "Audit log", views.AuditPage(vq, entries))
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }
