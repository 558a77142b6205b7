package handlers

import (
	"fmt"
	"net/http"

	"portal/internal/store"
	"portal/internal/views"
)

// driftList serves GET /admin/drift (admins): the open differences.
func (h *Handler) driftList(w http.ResponseWriter, r *http.Request) error {
	items, err := store.NewDrift(h.pool).Open(r.Context(), 500)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Drift", views.DriftPage(items))
}

// driftRun serves POST /admin/drift/run: check the platform now.
func (h *Handler) driftRun(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if _, err := parseForm(r); err != nil {
		return err
	}
	n := 0
	for _, pid := range h.tenancy.PlatformIDs() {
		open, err := h.tenancy.CheckDrift(r.Context(), pid)
		if err != nil {
			h.audited(r, p, "drift.check", "platform", idString(pid), store.OutcomeFailure, err.Error())
			return err
		}
		h.audited(r, p, "drift.check", "platform", idString(pid), store.OutcomeSuccess, fmt.Sprintf("%d open", open))
		n += open
	}
	h.flash(r, "Check finished: %d open differences.", n)
	redirect(w, r, "/admin/drift")
	return nil
}

// driftResolve serves POST /admin/drift/{driftID}/adopt and /forget.
func (h *Handler) driftResolve(adopt bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := principalFrom(r.Context())
		id, err := ownedID(r, "driftID")
		if err != nil {
			return err
		}
		if _, err := parseForm(r); err != nil {
			return err
		}
		action := "drift.forget"
		if adopt {
			action = "drift.adopt"
			err = h.tenancy.AdoptDrift(r.Context(), id)
		} else {
			err = h.tenancy.ForgetDrift(r.Context(), id)
		}
		if err != nil {
			h.audited(r, p, action, "drift", idString(id), store.OutcomeFailure, err.Error())
			return err
		}
		h.audited(r, p, action, "drift", idString(id), store.OutcomeSuccess, "")
		h.flash(r, "Done.")
		redirect(w, r, "/admin/drift")
		return nil
	}
}

// driftPush serves POST /admin/drift/{driftID}/push: write the portal's values back to ISPConfig, through the
// hosting and tenancy services (which audit it).
func (h *Handler) driftPush(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "driftID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.hosting.PushDrift(r.Context(), h.actor(r), id); err != nil {
		return err
	}
	h.flash(r, "ISPConfig has the portal's values again.")
	redirect(w, r, "/admin/drift")
	return nil
}
