package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/views"
)

// platformShow serves GET /admin/platform: whether ISPConfig answers, and the platform's settings.
func (h *Handler) platformShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	st, err := h.tenancy.Stats(ctx)
	if err != nil {
		return err
	}
	reachable, problem := true, ""
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if isp, err := h.tenancy.ISP(h.opts.Platform.ID); err != nil {
		reachable, problem = false, i18n.M("no client configured")
	} else if err := isp.Probe(pctx); err != nil {
		reachable, problem = false, i18n.M("it does not answer")
		if errors.Is(err, ispapi.ErrUnauthorized) {
			problem = i18n.M("it refuses the portal's remote user (check its password, permissions and allowed IPs)")
		}
	}
	return h.render(w, r, http.StatusOK, "Platform", views.PlatformPage(h.opts.Platform, reachable, problem, views.AdminStats(st)))
}

// claimsList serves GET /admin/claims: the domain-registry conflicts in records that predate the registry.
func (h *Handler) claimsList(w http.ResponseWriter, r *http.Request) error {
	list, err := h.hosting.ClaimConflicts(r.Context())
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Domain conflicts", views.ClaimsPage(list))
}
