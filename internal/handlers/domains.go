package handlers

import "github.com/go-chi/chi/v5"

// domainRoutes registers the domain-limit table screens (signed-in, any role; ownership via the choke point).
func (h *Handler) domainRoutes(r chi.Router) {}
