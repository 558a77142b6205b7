package handlers

import (
	"net/http"

	"portal/internal/views"
)

// driftList serves GET /admin/drift (admins): the open differences.
func (h *Handler) driftList(w http.ResponseWriter, r *http.Request) error {
	items, err := h.tenancy.OpenDrift(r.Context(), 500)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Drift", views.DriftPage(items))
}

// driftRun serves POST /admin/drift/run: check every platform now.
func (h *Handler) driftRun(w http.ResponseWriter, r *http.Request) error {
	if _, err := parseForm(r); err != nil {
		return err
	}
	n, err := h.tenancy.CheckAllDrift(r.Context(), h.actor(r))
	if err != nil {
		return err
	}
	h.flash(r, "Check finished: %d open differences.", n)
	redirect(w, r, "/admin/drift")
	return nil
}

// driftResolve serves POST /admin/drift/{driftID}/adopt and /forget.
func (h *Handler) driftResolve(adopt bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := ownedID(r, "driftID")
		if err != nil {
			return err
		}
		if _, err := parseForm(r); err != nil {
			return err
		}
		if err := h.tenancy.ResolveDrift(r.Context(), h.actor(r), id, adopt); err != nil {
			return err
		}
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
