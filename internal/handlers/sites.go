package handlers

import "github.com/go-chi/chi/v5"

// siteRoutes registers the web-site screens (signed-in, any role; ownership via the choke point).
func (h *Handler) siteRoutes(r chi.Router) {}
