package handlers

import "github.com/go-chi/chi/v5"

// mailRoutes registers the mail screens (signed-in, any role; ownership via the choke point).
func (h *Handler) mailRoutes(r chi.Router) {}

// publicMailRoutes registers pages that need no portal account (a mailbox owner's own password change).
func (h *Handler) publicMailRoutes(r chi.Router) {}
