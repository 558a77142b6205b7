package handlers

import (
	"net/http"

	"portal/internal/views"
)

// outboxList serves GET /admin/mail (admins): the newest outgoing messages, optionally of one state.
func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) error {
	state := r.URL.Query().Get("state")
	list, err := h.mail.Messages(r.Context(), state)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Outbox", views.OutboxPage(state, list, h.mail.Off()))
}

// outboxShow serves GET /admin/mail/{outboxID}: one message with its text part.
func (h *Handler) outboxShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "outboxID")
	if err != nil {
		return err
	}
	m, err := h.mail.Message(r.Context(), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Message", views.OutboxMessagePage(m))
}

// outboxResend serves POST /admin/mail/{outboxID}/resend: a failed message is queued again.
func (h *Handler) outboxResend(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "outboxID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.mail.Resend(r.Context(), h.actor(r), id); err != nil {
		return err
	}
	h.flash(r, "The message is queued again.")
	redirect(w, r, "/admin/mail")
	return nil
}
